"""A worker killed with SIGKILL in the middle of a call: the call is still closed, by
LiveKit's webhook or the reaper, and billed exactly once."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum
from django.test import Client
from livekit import api

from betool.models import LedgerEntry, LedgerKind
from telephony.models import Call, CallEndReason, CallStatus
from telephony.tasks import reap_stale_calls
from tests.voice import harness, tier
from tests.voice.conftest import VOICE_DIR, _database_url
from voice_models.pricing import DEFAULT_RATES, credits_for

pytestmark = pytest.mark.timeout(300)


def _signed_webhook(env: harness.LiveKitEnv, room: str) -> tuple[str, str]:
    body = json.dumps({"event": "room_finished", "room": {"name": room}, "id": uuid.uuid4().hex})
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return body, api.AccessToken(env.api_key, env.api_secret).with_sha256(digest).to_jwt()


def _wait_for(predicate: Any, *, within: float, what: str) -> None:
    give_up = time.monotonic() + within
    while time.monotonic() < give_up:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {within:g}s")


def test_a_call_whose_worker_is_killed_is_closed_and_billed_once(
    voice_env: harness.LiveKitEnv, call_setup: Any, settings: Any, django_db_blocker: Any
) -> None:
    tier.use_livekit(settings, voice_env)
    settings.CALL_REAPER_GRACE_S = 1
    agent_name, worker = tier.start_named_worker(
        voice_env,
        prefix="betool-kill",
        run_dir=VOICE_DIR,
        database_url=_database_url(),
        extra_env={"BETOOL_USAGE_REPORT_S": "1", "BETOOL_WORKER_PRELOAD_WHISPER": "0"},
    )
    number = call_setup()
    room = f"call-kill-{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(harness.wait_for_worker(worker))

        async def call_then_kill() -> None:
            attributes = {"sip.trunkPhoneNumber": number.e164, "sip.phoneNumber": "+15551230000"}
            async with harness.caller_in_room(
                voice_env, room=room, attributes=attributes
            ) as caller:
                await harness.dispatch(voice_env, room=room, agent_name=agent_name, metadata={})
                greeting = await caller.hear(within=60)
                assert greeting.first_audio is not None, "the agent never spoke"
                await asyncio.sleep(3)  # a few interval usage reports land
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait(timeout=10)
                await asyncio.sleep(1)

        asyncio.run(call_then_kill())
        asyncio.run(harness.delete_room(voice_env, room))  # what LiveKit does once it is empty
    finally:
        worker.stop()

    call = Call.objects.get(room_name=room)
    assert call.status != CallStatus.ENDED, "the worker should have died before closing it"
    _wait_for(
        lambda: LedgerEntry.objects.filter(source=f"call-{call.pk}").exists(),
        within=10,
        what="an interval usage report",
    )

    body, signature = _signed_webhook(voice_env, room)
    for _ in range(2):  # LiveKit may deliver twice
        response = Client().post(
            "/api/livekit/webhook",
            body,
            content_type="application/webhook+json",
            HTTP_AUTHORIZATION=signature,
        )
        assert response.status_code == 200, response.content
    reap_stale_calls()  # the reaper finds nothing left to do

    call.refresh_from_db()
    assert call.status == CallStatus.ENDED
    assert call.end_reason == CallEndReason.WORKER_LOST
    entries = LedgerEntry.objects.filter(source=f"call-{call.pk}")
    duplicated = (
        entries.values("kind", "model_name", "sequence").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicated.exists()
    seconds = (call.ended_at - call.connected_at).total_seconds()  # type: ignore[operator]
    billed_call_time = -entries.filter(kind=LedgerKind.CALL_SECONDS).aggregate(s=Sum("credits"))[
        "s"
    ]
    assert billed_call_time == credits_for(
        LedgerKind.CALL_SECONDS, Decimal(str(seconds)), DEFAULT_RATES[LedgerKind.CALL_SECONDS]
    )
    assert entries.filter(kind=LedgerKind.TTS_CHARACTERS).exists()  # from the worker's reports
