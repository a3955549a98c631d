"""Trunks and numbers for admins (``telephony.manage``), and outbound calls (``calls.place``).

Passwords are write-only: a request may set (or, with ``""``, remove) them; an answer only
says ``has_password`` / ``has_inbound_password``. Every write goes through
``telephony.provisioning.services``, which writes LiveKit after the commit; an answer shows
the record's ``sync_status`` and ``sync_error``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from betool.access import require
from betool.errors import ApiError, CoreErrorCode, not_found
from betool.roles import Permission
from betool.selectors import CallRefusal
from pipelines.barge_in import BargeInMode, BargeInSensitivity
from pipelines.models import PipelineVersion
from telephony.errors import TelephonyErrorCode
from telephony.models import (
    AnsweringMachineMode,
    Call,
    CallDirection,
    CallStatus,
    PhoneNumber,
    SipTransport,
    SyncStatus,
    Trunk,
    TrunkDirection,
)
from telephony.provisioning.dispatch import LiveKitNotConfigured
from telephony.provisioning.services import (
    compact_e164,
    livekit_sync_request,
    number_delete,
    number_save,
    outbound_call_place,
    trunk_delete,
    trunk_save,
)
from telephony.selectors import CallRejected, with_call_counters

router = Router(tags=["telephony"])


# --- trunks -----------------------------------------------------------------------------------


class TrunkIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    direction: TrunkDirection = TrunkDirection.BOTH
    address: str = Field(default="", max_length=255)
    transport: SipTransport = SipTransport.UDP
    username: str = Field(default="", max_length=120)
    password: str | None = Field(default=None, description='Write-only; "" removes it')
    inbound_username: str = Field(default="", max_length=120)
    inbound_password: str | None = Field(default=None, description='Write-only; "" removes it')
    allowed_addresses: list[str] = []
    codecs: list[str] = []
    max_concurrent_calls: int = Field(default=10, ge=1)
    supports_refer: bool = False


class TrunkPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    direction: TrunkDirection | None = None
    address: str | None = Field(default=None, max_length=255)
    transport: SipTransport | None = None
    username: str | None = Field(default=None, max_length=120)
    password: str | None = None
    inbound_username: str | None = Field(default=None, max_length=120)
    inbound_password: str | None = None
    allowed_addresses: list[str] | None = None
    codecs: list[str] | None = None
    max_concurrent_calls: int | None = Field(default=None, ge=1)
    supports_refer: bool | None = None


class TrunkOut(Schema):
    id: int
    name: str
    direction: TrunkDirection
    address: str
    transport: SipTransport
    username: str
    has_password: bool
    inbound_username: str
    has_inbound_password: bool
    allowed_addresses: list[str]
    codecs: list[str]
    max_concurrent_calls: int
    supports_refer: bool
    numbers: list[str]
    livekit_inbound_trunk_id: str
    livekit_outbound_trunk_id: str
    sync_status: SyncStatus
    sync_error: str
    synced_at: datetime | None
    calls_today: int
    calls_active: int


_SECRETS = ("password", "inbound_password")


# TrunkOut's fields that the answer computes rather than reads off the trunk.
_COMPUTED = ("has_password", "has_inbound_password", "numbers")


def _trunk_out(trunk: Trunk) -> dict[str, Any]:
    plain = [name for name in TrunkOut.model_fields if name not in _COMPUTED]
    return {
        **{name: getattr(trunk, name) for name in plain},
        "has_password": bool(trunk.password),
        "has_inbound_password": bool(trunk.inbound_password),
        "numbers": sorted(number.e164 for number in trunk.numbers.all()),
    }


def _trunks(request: HttpRequest) -> Any:
    actor = require(request, Permission.TELEPHONY_MANAGE)
    queryset = Trunk.objects.filter(workspace=actor.workspace).prefetch_related("numbers")
    return with_call_counters(queryset, calls="numbers__calls")


def _trunk(request: HttpRequest, trunk_id: int) -> Trunk:
    trunk: Trunk | None = _trunks(request).filter(pk=trunk_id).first()
    if trunk is None:
        raise not_found(f"Trunk {trunk_id}")
    return trunk


def _save_trunk(request: HttpRequest, trunk: Trunk, changes: dict[str, Any]) -> Trunk:
    secrets = {name: changes.pop(name) for name in _SECRETS if name in changes}
    for name, value in changes.items():
        setattr(trunk, name, value)
    trunk_save(trunk=trunk, **secrets)
    return _trunk(request, trunk.pk)


@router.get("/trunks", response=list[TrunkOut])
def trunks_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_trunk_out(trunk) for trunk in _trunks(request)]


@router.post("/trunks", response={201: TrunkOut})
def trunk_create(request: HttpRequest, payload: TrunkIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.TELEPHONY_MANAGE)
    trunk = _save_trunk(request, Trunk(workspace=actor.workspace), payload.model_dump())
    return Status(201, _trunk_out(trunk))


@router.get("/trunks/{trunk_id}", response=TrunkOut)
def trunk_detail(request: HttpRequest, trunk_id: int) -> dict[str, Any]:
    return _trunk_out(_trunk(request, trunk_id))


@router.patch("/trunks/{trunk_id}", response=TrunkOut)
def trunk_update(request: HttpRequest, trunk_id: int, payload: TrunkPatch) -> dict[str, Any]:
    trunk = _trunk(request, trunk_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None and name not in _SECRETS]
    if nulls:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT, f"These fields cannot be null: {', '.join(nulls)}."
        )
    changes = {name: value for name, value in changes.items() if value is not None}
    return _trunk_out(_save_trunk(request, trunk, changes))


@router.delete("/trunks/{trunk_id}", response={204: None})
def trunk_remove(request: HttpRequest, trunk_id: int) -> Status[None]:
    trunk_delete(trunk=_trunk(request, trunk_id))
    return Status(204, None)


@router.post("/trunks/{trunk_id}/sync", response={202: TrunkOut})
def trunk_sync(request: HttpRequest, trunk_id: int) -> Status[dict[str, Any]]:
    livekit_sync_request(trunks=[_trunk(request, trunk_id)])
    return Status(202, _trunk_out(_trunk(request, trunk_id)))


# --- numbers ----------------------------------------------------------------------------------


class NumberIn(Schema):
    e164: str = Field(max_length=40, description="E.164, e.g. +15550100")
    label: str = Field(default="", max_length=120)
    trunk_id: int | None = None
    pipeline_id: int | None = None
    enabled: bool = True
    language: str = Field(default="en", max_length=16)
    max_call_duration_s: int = Field(default=1800, ge=1)
    silence_timeout_s: int = Field(default=15, ge=1)
    transfer_target: str = Field(default="", max_length=200)
    pinned_version: int | None = Field(
        default=None, ge=1, description="A published version number; null: the latest"
    )
    asr_model_id: int | None = None
    tts_model_id: int | None = None
    llm_model_id: int | None = Field(default=None, description="null: the workspace default")
    max_concurrent_calls: int | None = Field(default=None, ge=1)
    barge_in_mode: BargeInMode = Field(
        default="any", description="What lets callers interrupt: none, speech, dtmf or any"
    )
    barge_in_sensitivity: BargeInSensitivity = "medium"
    record_calls: bool = Field(default=False, description="The pipeline may turn it on too")
    recording_consent_line: str = Field(
        default="", max_length=300, description="Said first when recorded; empty: the default"
    )


class NumberPatch(Schema):
    e164: str | None = Field(default=None, max_length=40)
    label: str | None = Field(default=None, max_length=120)
    trunk_id: int | None = None
    pipeline_id: int | None = None
    enabled: bool | None = None
    language: str | None = Field(default=None, max_length=16)
    max_call_duration_s: int | None = Field(default=None, ge=1)
    silence_timeout_s: int | None = Field(default=None, ge=1)
    transfer_target: str | None = Field(default=None, max_length=200)
    pinned_version: int | None = Field(default=None, ge=1)
    asr_model_id: int | None = None
    tts_model_id: int | None = None
    llm_model_id: int | None = None
    max_concurrent_calls: int | None = Field(default=None, ge=1)
    barge_in_mode: BargeInMode | None = None
    barge_in_sensitivity: BargeInSensitivity | None = None
    record_calls: bool | None = None
    recording_consent_line: str | None = Field(default=None, max_length=300)


class NumberOut(Schema):
    id: int
    e164: str
    label: str
    trunk_id: int | None
    pipeline_id: int | None
    enabled: bool
    language: str
    max_call_duration_s: int
    silence_timeout_s: int
    transfer_target: str
    pinned_version: int | None
    asr_model_id: int | None
    tts_model_id: int | None
    llm_model_id: int | None
    max_concurrent_calls: int | None
    barge_in_mode: BargeInMode
    barge_in_sensitivity: BargeInSensitivity
    record_calls: bool
    recording_consent_line: str
    livekit_dispatch_rule_id: str
    sync_status: SyncStatus
    sync_error: str
    synced_at: datetime | None
    calls_today: int
    calls_active: int


# Fields that may be set to null (detach the number from its trunk, pipeline, pinned
# version, voice models or own limit).
_NULLABLE = (
    "trunk_id",
    "pipeline_id",
    "pinned_version",
    "asr_model_id",
    "tts_model_id",
    "llm_model_id",
    "max_concurrent_calls",
)


def _numbers(request: HttpRequest) -> Any:
    actor = require(request, Permission.TELEPHONY_MANAGE)
    numbers = PhoneNumber.objects.filter(workspace=actor.workspace).select_related("pinned_version")
    return with_call_counters(numbers, calls="calls")


def _number(request: HttpRequest, number_id: int) -> PhoneNumber:
    number: PhoneNumber | None = _numbers(request).filter(pk=number_id).first()
    if number is None:
        raise not_found(f"Number {number_id}")
    return number


def _number_out(number: PhoneNumber) -> dict[str, Any]:
    plain = [name for name in NumberOut.model_fields if name != "pinned_version"]
    pinned = number.pinned_version
    return {
        **{name: getattr(number, name) for name in plain},
        "pinned_version": pinned.number if pinned else None,
    }


def _pinned_version_id(number: PhoneNumber, version_number: int | None) -> int | None:
    if version_number is None:
        return None
    version = (
        None
        if number.pipeline_id is None
        else PipelineVersion.objects.filter(
            pipeline_id=number.pipeline_id, number=version_number
        ).first()
    )
    if version is None:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            f"The pipeline has no published version {version_number}.",
            status=422,
            details=[{"field": "pinned_version", "message": "Choose a published version."}],
        )
    return version.pk


def _save_number(
    request: HttpRequest, number: PhoneNumber, changes: dict[str, Any]
) -> dict[str, Any]:
    pinning = "pinned_version" in changes
    version_number = changes.pop("pinned_version", None)
    for name, value in changes.items():
        setattr(number, name, value)
    if pinning:
        number.pinned_version_id = _pinned_version_id(number, version_number)
    elif "pipeline_id" in changes and number.pinned_version_id is not None:
        # Another pipeline: a version of the previous one cannot stay pinned.
        number.pinned_version_id = None
    # Trunks, pipelines and voice models of another workspace are refused by
    # PhoneNumber.clean, on their field.
    number_save(number=number)
    return _number_out(_number(request, number.pk))


@router.get("/numbers", response=list[NumberOut])
def numbers_list(request: HttpRequest) -> Any:
    return [_number_out(number) for number in _numbers(request)]


@router.post("/numbers", response={201: NumberOut})
def number_create(request: HttpRequest, payload: NumberIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.TELEPHONY_MANAGE)
    number = _save_number(request, PhoneNumber(workspace=actor.workspace), payload.model_dump())
    return Status(201, number)


@router.get("/numbers/{number_id}", response=NumberOut)
def number_detail(request: HttpRequest, number_id: int) -> dict[str, Any]:
    return _number_out(_number(request, number_id))


@router.patch("/numbers/{number_id}", response=NumberOut)
def number_update(request: HttpRequest, number_id: int, payload: NumberPatch) -> dict[str, Any]:
    number = _number(request, number_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None and name not in _NULLABLE]
    if nulls:
        raise ApiError(
            CoreErrorCode.INVALID_INPUT, f"These fields cannot be null: {', '.join(nulls)}."
        )
    return _save_number(request, number, changes)


@router.delete("/numbers/{number_id}", response={204: None})
def number_remove(request: HttpRequest, number_id: int) -> Status[None]:
    number_delete(number=_number(request, number_id))
    return Status(204, None)


@router.post("/numbers/{number_id}/sync", response={202: NumberOut})
def number_sync(request: HttpRequest, number_id: int) -> Status[dict[str, Any]]:
    livekit_sync_request(numbers=[_number(request, number_id)])
    return Status(202, _number_out(_number(request, number_id)))


# --- outbound calls ---------------------------------------------------------------------------


# What a pipeline's templates can read as {{ name }}: identifiers, plain values, bounded.
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_CALL_VARIABLES = 50
MAX_VARIABLE_TEXT = 1000
CallVariable = str | int | float | bool | None


class OutboundCallIn(Schema):
    to: str = Field(max_length=40, description="The callee, E.164 (e.g. +15550100)")
    from_number: str | None = Field(default=None, max_length=40, description="One of our numbers")
    number_id: int | None = None
    variables: dict[str, CallVariable] = Field(
        default_factory=dict,
        description="Values the pipeline reads as {{ name }} (e.g. the customer's name)",
    )
    answering_machine: AnsweringMachineMode | None = Field(
        default=None,
        description="detect: a voicemail takes the Start node's voicemail branch; ignore: "
        "whoever answers hears the greeting. Unset: detect when the pipeline has that branch.",
    )

    @field_validator("variables")
    @classmethod
    def _plain_named_values(cls, variables: dict[str, CallVariable]) -> dict[str, CallVariable]:
        if len(variables) > MAX_CALL_VARIABLES:
            raise ValueError(f"at most {MAX_CALL_VARIABLES} variables")
        for name, value in variables.items():
            if not _VARIABLE_NAME.match(name):
                raise ValueError(
                    f"{name!r} is not a variable name (letters, digits and _, not first a digit)"
                )
            if isinstance(value, str) and len(value) > MAX_VARIABLE_TEXT:
                raise ValueError(f"{name} is longer than {MAX_VARIABLE_TEXT} characters")
        return variables


class OutboundCallOut(Schema):
    id: int
    direction: CallDirection
    status: CallStatus
    from_number: str
    to_number: str
    number_id: int | None
    pipeline_version_id: int | None
    room_name: str
    created_at: datetime


# How each refusal of ``CallRejected`` answers: (HTTP status, error code).
_REFUSALS: dict[str, tuple[int, TelephonyErrorCode | CoreErrorCode]] = {
    "bad_number": (422, TelephonyErrorCode.INVALID_NUMBER),
    CallRefusal.NO_CREDITS.value: (402, TelephonyErrorCode.NO_CREDITS),
    "too_many_calls": (429, TelephonyErrorCode.CONCURRENCY_LIMIT),
    "number_busy": (429, TelephonyErrorCode.CONCURRENCY_LIMIT),
    "unknown_number": (404, CoreErrorCode.NOT_FOUND),
}
_NOT_READY = (409, TelephonyErrorCode.NUMBER_NOT_READY)


@router.post("/calls/outbound", response={201: OutboundCallOut})
def call_outbound(request: HttpRequest, payload: OutboundCallIn) -> Status[Call]:
    actor = require(request, Permission.CALLS_PLACE)
    if (payload.number_id is None) == (payload.from_number is None):
        raise ApiError(
            CoreErrorCode.INVALID_INPUT,
            "Name the number to call from: give either number_id or from_number.",
            status=422,
        )
    numbers = PhoneNumber.objects.filter(workspace=actor.workspace).select_related("trunk")
    if payload.number_id is not None:
        number = numbers.filter(pk=payload.number_id).first()
    else:
        number = numbers.filter(e164=compact_e164(payload.from_number or "")).first()
    if number is None:
        raise not_found(f"The number {payload.number_id or payload.from_number}")
    try:
        call = outbound_call_place(
            workspace=actor.workspace,
            number=number,
            to_number=payload.to,
            variables=payload.variables,
            answering_machine=payload.answering_machine,
        )
    except LiveKitNotConfigured as exc:
        raise ApiError(TelephonyErrorCode.LIVEKIT_DISABLED, str(exc), status=409) from exc
    except CallRejected as exc:
        status, code = _REFUSALS.get(exc.reason, _NOT_READY)
        raise ApiError(code, exc.message, status=status, details={"reason": exc.reason}) from exc
    return Status(201, call)
