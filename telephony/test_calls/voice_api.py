"""Browser voice tests: the editor's call button gets a LiveKit room and token, and the
voice worker joins it running the draft (or a published version) like a phone call."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from betool.access import require
from betool.errors import ApiError, CoreErrorCode
from betool.roles import Permission
from pipelines.selectors import pipeline_get
from telephony.errors import TelephonyErrorCode
from telephony.provisioning.dispatch import LiveKitNotConfigured
from telephony.selectors import CallRejected
from telephony.services import voice_test_start

router = Router(tags=["calls"])


class VoiceTestIn(Schema):
    pipeline_id: int
    version: int | Literal["draft"] = "draft"


class VoiceTestOut(Schema):
    url: str
    room: str
    token: str
    call_id: int


@router.post("/calls/voice-test", response={201: VoiceTestOut})
def voice_test_create(request: HttpRequest, payload: VoiceTestIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.PIPELINES_TEST)
    pipeline = pipeline_get(workspace=actor.workspace, pipeline_id=payload.pipeline_id)
    try:
        session = voice_test_start(
            workspace=actor.workspace,
            user=actor.user,
            pipeline=pipeline,
            version_number=None if payload.version == "draft" else int(payload.version),
        )
    except LiveKitNotConfigured as exc:
        raise ApiError(TelephonyErrorCode.LIVEKIT_DISABLED, str(exc), status=409) from exc
    except CallRejected as exc:
        raise ApiError(CoreErrorCode.NOT_FOUND, exc.message, status=404) from exc
    return Status(
        201,
        {
            "url": session.url,
            "room": session.room,
            "token": session.token,
            "call_id": session.call.pk,
        },
    )
