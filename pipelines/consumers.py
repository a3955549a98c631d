"""The editor's text test session: a websocket that runs the draft (or a version) turn by turn.

It runs the very engine the voice worker runs, in this process's event loop. Events go
straight to the socket; the socket also joins the pipeline's group so that a saved draft
reaches an open test session (through Redis when there are several web processes).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import DataError

from betool.access import WORKSPACE_SESSION_KEY, Actor
from betool.errors import ApiError
from betool.input_limits import parse_json
from betool.roles import Permission
from betool.selectors import membership_for
from pipelines.engine import GraphInvalid
from pipelines.errors import PipelineErrorCode
from pipelines.notifications import pipeline_group
from pipelines.test_session import TestSession, open_test_session

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_INVALID = 4400
# A chat message is a line of text; a frame past this is refused, not parsed.
MAX_FRAME_CHARS = 64 * 1024


class TestSessionConsumer(AsyncJsonWebsocketConsumer):
    session: TestSession | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        slug = self.scope.get("session", {}).get(WORKSPACE_SESSION_KEY)
        membership = await database_sync_to_async(membership_for)(user=user, workspace_slug=slug)
        if membership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.actor = Actor(user=membership.user, membership=membership)
        if not self.actor.can(Permission.PIPELINES_TEST):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.pipeline_id = int(self.scope["url_route"]["kwargs"]["pipeline_id"])
        query = dict(
            part.split("=", 1)
            for part in self.scope.get("query_string", b"").decode().split("&")
            if "=" in part
        )
        self.version = query.get("version", "draft")
        self.turn_lock = asyncio.Lock()
        await self.accept()
        if not _is_version(self.version):
            await self.send_error(
                "invalid_input", "version is 'draft' or the number of a published version."
            )
            await self.close(code=CLOSE_INVALID)
            return
        if not await self._open():
            return
        await self.channel_layer.group_add(pipeline_group(self.pipeline_id), self.channel_name)

    async def _open(self) -> bool:
        """Loads and compiles the graph; tells the client why when it cannot."""
        try:
            self.session = await open_test_session(
                actor=self.actor,
                pipeline_id=self.pipeline_id,
                version=self.version,
                session_id=uuid.uuid4().hex[:12],
            )
        except ApiError as exc:
            await self.send_error(str(exc.code), exc.message)
            await self.close(code=CLOSE_NOT_FOUND)
            return False
        except (OverflowError, DataError):  # an id past what the database holds
            await self.send_error("not_found", "Pipeline was not found.")
            await self.close(code=CLOSE_NOT_FOUND)
            return False
        except GraphInvalid as exc:
            await self.send_json(
                {
                    "type": "error",
                    "code": PipelineErrorCode.GRAPH_INVALID,
                    "message": "Fix the problems on the canvas, then reset the test.",
                    "details": [p.as_dict() for p in exc.problems],
                }
            )
            self.session = None
            return True
        await self.send_json(
            {"type": "ready", "session_id": self.session.session_id, "version": self.version}
        )
        async with self.turn_lock:
            await self._stream(self.session.greet())
        return True

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "pipeline_id"):
            await self.channel_layer.group_discard(
                pipeline_group(self.pipeline_id), self.channel_name
            )
        if self.session is not None:
            await self.session.close()

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """Every frame gets an answer: a bad one a JSON error, and the socket stays open."""
        if text_data is None:
            await self.send_error("invalid_input", "Messages are JSON text, not binary frames.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(
                "invalid_input", f"That message is too long (at most {MAX_FRAME_CHARS} characters)."
            )
            return
        try:
            content = parse_json(text_data)
        except ApiError as exc:
            await self.send_error(str(exc.code), exc.message)
            return
        try:
            await self.receive_json(content, **kwargs)
        except Exception:  # the session goes on; the failure is logged, not thrown at it
            logger.exception("test session message failed")
            await self.send_error("internal_error", "That message could not be handled.")

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "reset":
            if self.session is not None:
                await self.session.close()
            await self._open()
            return
        if self.session is None:
            await self.send_error("not_ready", "The test cannot run until the graph is valid.")
            return
        if kind == "user_message":
            text = content.get("text")
            if not isinstance(text, str) or not text.strip():
                await self.send_error("invalid_input", "Type a message first.")
                return
            async with self.turn_lock:
                await self._stream(self.session.run_turn(text[:2000]))
        elif kind == "digits":
            digits = str(content.get("digits", ""))
            if not digits or any(c not in "0123456789*#" for c in digits):
                await self.send_error("invalid_input", "Digits are 0-9, * and #.")
                return
            async with self.turn_lock:
                await self._stream(self.session.run_turn("", digits=digits))
        else:
            await self.send_error("invalid_input", f"Unknown message type {kind!r}.")

    async def _stream(self, events: Any) -> None:
        async for event in events:
            await self.send_json(event)

    async def send_error(self, code: str, message: str) -> None:
        """An error message on the socket (never a close with 1011)."""
        await self.send_json({"type": "error", "code": code, "message": message})

    async def draft_saved(self, message: dict[str, Any]) -> None:
        """A designer saved the draft: a draft test session tells its client it can reset."""
        if self.version == "draft":
            await self.send_json({"type": "draft_updated", "revision": message["revision"]})


def _is_version(version: str) -> bool:
    return version == "draft" or (version.isdigit() and 0 < len(version) <= 9)
