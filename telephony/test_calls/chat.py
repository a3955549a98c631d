"""Browser chat tests kept in the call history, as test calls of the channel "chat test".

pipelines runs the chat and reports it through the recorder registered here at start-up
(``TelephonyConfig.ready``), so the Calls page lists it with "include test calls" and its
page shows the transcript, the trace and what it cost, like any call's.
"""

from __future__ import annotations

from typing import Any

from pipelines.chat_tests import ChatTestEnd, ChatTestRecord, ChatTestStart, ChatTestTurn
from pipelines.models import PipelineVersion
from telephony.calls.billing import call_source
from telephony.models import Call, CallChannel, CallEndReason, CallEventKind, CallStatus
from telephony.services import call_end, call_event_record, call_start, call_turn_record

END_REASONS = {
    ChatTestEnd.CLOSED: CallEndReason.TEST_CLOSED,
    ChatTestEnd.HUNG_UP: CallEndReason.AGENT_HANGUP,
    ChatTestEnd.TRANSFERRED: CallEndReason.TRANSFERRED,
}


class CallHistoryChatRecorder:
    """Writes a chat test as a Call: started active (a chat is answered at once), a turn per
    exchange with its trace, the call-control actions as events, the end with its usage."""

    def start(self, run: ChatTestStart) -> ChatTestRecord:
        version = None
        if run.version_number is not None:
            version = PipelineVersion.objects.filter(
                pipeline_id=run.pipeline_id, number=run.version_number
            ).first()
        call = call_start(
            workspace=run.workspace,
            room_name=f"chat-{run.session_id}",
            pipeline_version=version,
            pipeline_id=run.pipeline_id,
            is_test=True,
            channel=CallChannel.BROWSER_CHAT,
            started_by=run.tester,
            status=CallStatus.ACTIVE,
            at=run.started_at,
        )
        # Answered when opened: the chat's duration counts from there.
        call.connected_at = run.started_at
        call.save(update_fields=["connected_at"])
        return ChatTestRecord(record_id=call.pk, ledger_source=call_source(call))

    def turn(self, record: ChatTestRecord, turn: ChatTestTurn) -> None:
        call = Call.objects.get(pk=record.record_id)
        call_turn_record(
            call=call,
            sequence=turn.sequence,
            user_text=turn.user_text,
            agent_text=turn.agent_text,
            started_at=turn.started_at,
            latencies=dict(turn.latencies),
            trace=turn.trace,
            reason=turn.reason,
            fallback=turn.fallback,
        )
        for action in turn.actions:
            name = str(action.get("action", "action"))
            data = {key: value for key, value in action.items() if key != "action"}
            call_event_record(
                call=call, kind=CallEventKind.ACTION, name=name, data=data, occurred_at=None
            )

    def end(
        self,
        record: ChatTestRecord,
        *,
        ended: ChatTestEnd,
        usage: dict[str, Any],
        transfer_target: str = "",
    ) -> None:
        call = Call.objects.get(pk=record.record_id)
        call_end(call=call, reason=END_REASONS[ended], usage=usage, transfer_target=transfer_target)
