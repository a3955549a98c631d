"""Reading what a call runs, once, before it starts (sync: called through sync_to_async)."""

from __future__ import annotations

import json
from typing import Any

from telephony.worker.answering_machine import ScreeningMode
from voice_models.adapters import ModelConfig

SIP_TRUNK_NUMBER = "sip.trunkPhoneNumber"
SIP_CALLER_NUMBER = "sip.phoneNumber"


def parse_metadata(raw: str | None) -> dict[str, Any]:
    """Dispatch metadata: JSON ``{number, call_id, from, is_test, …}``; anything else is ignored."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def dialled_number(metadata: dict[str, Any], attributes: dict[str, str]) -> str:
    return str(metadata.get("number") or attributes.get(SIP_TRUNK_NUMBER) or "")


def caller_number(metadata: dict[str, Any], attributes: dict[str, str]) -> str:
    return str(attributes.get(SIP_CALLER_NUMBER) or metadata.get("from") or "")


def load_plan(
    *, room_name: str, metadata: dict[str, Any], attributes: dict[str, str], answered: bool = True
) -> Any:
    """Resolve the number (or the call made beforehand), admit and create, or connect, the Call.

    ``answered`` is false for an inbound SIP caller whose call still rings: its Call is
    created ringing and connected at the SIP answer (billing starts there).

    Returns a :class:`~telephony.worker.state.CallPlan`; raises
    :class:`~telephony.selectors.CallRejected` when nothing can answer.
    """
    from django.db import transaction

    from pipelines.barge_in import policy_from
    from telephony.models import CallStatus
    from telephony.recordings.policy import recording_policy_for
    from telephony.selectors import call_setup_resolve
    from telephony.services import call_admit, call_set_status
    from telephony.worker.state import CallPlan
    from voice_models.selectors import llm_configs

    call_id_raw = metadata.get("call_id")
    call_id = int(str(call_id_raw)) if call_id_raw not in (None, "") else None
    setup = call_setup_resolve(number_e164=dialled_number(metadata, attributes), call_id=call_id)
    number = setup.number
    from_number = caller_number(metadata, attributes)
    with transaction.atomic():
        if setup.call is not None:
            call = call_set_status(call=setup.call, status=CallStatus.CONNECTED)
            if call.room_name != room_name:
                call.room_name = room_name
                call.save(update_fields=["room_name"])
        else:
            call = call_admit(
                setup=setup,
                room_name=room_name,
                from_number=from_number,
                is_test=bool(metadata.get("is_test")),
                answered=answered,
            )
    llms = llm_configs(workspace=setup.workspace)
    asr = number.asr_model if number and number.asr_model and number.asr_model.enabled else None
    tts = number.tts_model if number and number.tts_model and number.tts_model.enabled else None
    default_llm = number.llm_model.name if number and number.llm_model else None
    graph = setup.graph
    return CallPlan(
        call_id=call.pk,
        workspace_id=setup.workspace.pk,
        room_name=room_name,
        number_e164=number.e164 if number else "",
        caller_number=call.from_number or from_number,
        pipeline_id=setup.pipeline_id,
        version_id=setup.version.pk if setup.version else 0,
        version_number=setup.version.number if setup.version else 0,
        graph=graph,
        language=(number.language if number else "") or "en",
        max_call_duration_s=float(number.max_call_duration_s if number else 1800),
        silence_timeout_s=_silence_timeout_s(number, metadata),
        transfer_target=number.transfer_target if number else "",
        is_test=call.is_test,
        asr=ModelConfig.from_model(asr) if asr else None,
        tts=ModelConfig.from_model(tts) if tts else None,
        llms=tuple(llms),
        end_at_zero_balance=setup.workspace.end_calls_at_zero_balance,
        supports_refer=number is None or number.trunk is None or number.trunk.supports_refer,
        outbound_trunk_id=number.trunk.livekit_outbound_trunk_id
        if number is not None and number.trunk is not None
        else "",
        default_llm=default_llm,
        variables=dict(given) if isinstance(given := metadata.get("variables"), dict) else {},
        model_answers=scenario_answers(metadata) if call.is_test else None,
        answering_machine=answering_machine_mode(metadata)
        if call.direction == "outbound"
        else "ignore",
        barge_in=policy_from(
            mode=number.barge_in_mode if number else None,
            sensitivity=number.barge_in_sensitivity if number else None,
        ),
        recording=recording_policy_for(number=number, graph=graph),
    )


def scenario_answers(metadata: dict[str, Any]) -> tuple[Any, ...] | None:
    """The canned model answers of a flow test scenario run by voice (a test call's)."""
    from pipelines.flow_tests.spec import CannedAnswer

    given = metadata.get("model_answers")
    if not isinstance(given, list):
        return None
    return tuple(CannedAnswer.model_validate(answer) for answer in given)


def _silence_timeout_s(number: Any, metadata: dict[str, Any]) -> float:
    """The number's; a call with none (a test) may be given one by whoever dispatched it."""
    from pipelines.no_input import DEFAULT_SILENCE_TIMEOUT_S

    if number is not None:
        return float(number.silence_timeout_s)
    given = metadata.get("silence_timeout_s")
    return (
        float(given) if isinstance(given, int | float) and given >= 0 else DEFAULT_SILENCE_TIMEOUT_S
    )


def answering_machine_mode(metadata: dict[str, Any]) -> ScreeningMode:
    """The placer's choice for an outbound call; unset or unknown: detect when the
    pipeline has a voicemail branch."""
    given = metadata.get("answering_machine")
    return given if given in ("detect", "ignore") else "auto"


def record_refusal(
    *,
    room_name: str,
    metadata: dict[str, Any],
    attributes: dict[str, str],
    reason: str,
    message: str,
) -> int | None:
    """Leave a refused Call for an inbound call on a known number (the workspace sees it
    in its history, not billed); returns its id. A call made beforehand (outbound, voice
    test) already has its record, and an unknown number has no workspace to show it to."""
    from telephony.selectors import phone_number_by_e164
    from telephony.services import call_refuse

    if metadata.get("call_id") not in (None, ""):
        return None
    number = phone_number_by_e164(e164=dialled_number(metadata, attributes))
    if number is None:
        return None
    call = call_refuse(
        number=number,
        room_name=room_name,
        reason=reason,
        message=message,
        from_number=caller_number(metadata, attributes),
    )
    return int(call.pk)


def load_call(call_id: int) -> Any:
    from telephony.models import Call

    return Call.objects.select_related("workspace").get(pk=call_id)
