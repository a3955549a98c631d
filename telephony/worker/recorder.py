"""Call records written off the per-turn path: an asyncio queue drained in batches.

The session enqueues plain operations (no I/O, no waiting); a background task takes
everything queued, runs it in one ``sync_to_async`` call (one thread, one database
connection) and goes back to waiting. A failing write is logged and never reaches the
caller. ``aclose`` drains what is left, so the end of a call is always recorded.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.utils import timezone

if TYPE_CHECKING:
    from telephony.models import AnsweredBy, Call, CallEndReason, CallEventKind, CallStatus

logger = logging.getLogger("betool.worker.recorder")

Operation = Callable[[], object]


class _Marker:
    """A queue position (``flush``), not a record."""

    def __init__(self, callback: Callable[[], object]) -> None:
        self._callback = callback

    def __call__(self) -> object:
        return self._callback()


class CallRecorder:
    def __init__(self, call: Call, *, max_batch: int = 64) -> None:
        self.call = call
        self._queue: asyncio.Queue[Operation | None] = asyncio.Queue()
        self._max_batch = max_batch
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.failed = 0
        self.batches = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="betool.call_recorder")

    def _put(self, operation: Operation) -> None:
        self._queue.put_nowait(operation)

    # What the session records; each returns at once.

    def status(self, status: CallStatus, *, at: datetime | None = None) -> None:
        from telephony.services import call_set_status

        when = at or timezone.now()
        self._put(lambda: self._refresh(call_set_status(call=self.call, status=status, at=when)))

    def turn(self, **fields: Any) -> None:
        from telephony.services import call_turn_record

        fields.setdefault("started_at", timezone.now())
        self._put(lambda: call_turn_record(call=self.call, **fields))

    def event(self, kind: CallEventKind, name: str, data: dict[str, Any] | None = None) -> None:
        from telephony.services import call_event_record

        when = timezone.now()
        payload = dict(data or {})
        self._put(
            lambda: (
                call_event_record(
                    call=self.call, kind=kind, name=name, data=payload, occurred_at=when
                )
                and None
            )
        )

    def answered_by(self, answered_by: AnsweredBy, evidence: dict[str, Any]) -> None:
        from telephony.services import call_answered_by_record

        self._put(
            lambda: call_answered_by_record(
                call=self.call, answered_by=answered_by, evidence=dict(evidence)
            )
        )

    def transfer_summary(self, summary: str) -> None:
        from telephony.services import call_transfer_summary_record

        self._put(lambda: call_transfer_summary_record(call=self.call, summary=summary))

    def end(
        self,
        reason: CallEndReason,
        *,
        usage_fn: Callable[[], dict[str, Any]] | None = None,
        transfer_target: str = "",
        variables: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        from telephony.services import call_end

        when = at or timezone.now()

        def operation() -> None:
            from django.db import transaction

            from telephony.calls.billing import call_close_bill

            usage = usage_fn() if usage_fn else None

            def end() -> Call:
                return call_end(
                    call=self.call,
                    reason=reason,
                    usage=usage,
                    transfer_target=transfer_target,
                    variables=variables,
                    at=when,
                )

            try:  # the end and its closing bill together, exactly once
                with transaction.atomic():
                    call = end()
                    call_close_bill(call=call)
            except Exception:
                logger.exception("the closing bill of call %s failed", self.call.pk)
                call = end()  # the call is still recorded as ended, with its usage
            self._refresh(call)

        self._put(operation)

    async def usage_report(self, usage: dict[str, Any], *, sequence: int) -> Decimal:
        """An interval report of the cumulative usage so far, billed with the other calls'
        reports of the worker (through its relay, ``usage_relay``; a crash loses little);
        returns the workspace's balance after it was billed."""
        from telephony.calls.billing import call_usage_report
        from telephony.worker.usage_relay import usage_report_send

        snapshot = copy.deepcopy(usage)  # the call's counters go on moving meanwhile
        return await usage_report_send(
            source=f"call-{self.call.pk}",
            sequence=sequence,
            build=lambda: call_usage_report(call=self.call, usage=snapshot, sequence=sequence),
        )

    def _refresh(self, call: Call) -> None:
        self.call.status = call.status
        self.call.end_reason = call.end_reason

    async def flush(self) -> None:
        """Wait until everything queued so far is written."""
        if self._task is None or self._task.done():
            await self._drain_now()
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._put(_Marker(lambda: loop.call_soon_threadsafe(done.set_result, None)))
        await done

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._queue.put_nowait(None)
            await self._task
        else:
            await self._drain_now()

    async def _drain_now(self) -> None:
        batch: list[Operation] = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                batch.append(item)
        if batch:
            await sync_to_async(self._write, thread_sensitive=True)(batch)

    async def _run(self) -> None:
        closing = False
        while not closing:
            item = await self._queue.get()
            batch: list[Operation] = []
            if item is None:
                closing = True
            else:
                batch.append(item)
            while not self._queue.empty() and len(batch) < self._max_batch:
                more = self._queue.get_nowait()
                if more is None:
                    closing = True
                    continue
                batch.append(more)
            if batch:
                await sync_to_async(self._write, thread_sensitive=True)(batch)
        await self._drain_now()

    def _write(self, batch: list[Operation]) -> None:
        from django.db import close_old_connections

        close_old_connections()
        self.batches += 1
        for operation in batch:
            try:
                operation()
                if not isinstance(operation, _Marker):
                    self.written += 1
            except Exception:
                self.failed += 1
                logger.exception("writing a call record failed (call %s)", self.call.pk)
