"""Who hears that a call's analysis finished: the call monitor and the webhooks."""

from __future__ import annotations

from betool.webhooks.events import AnalysisData, EventType
from betool.webhooks.services import webhook_event_emit
from telephony.after_call.http_requests import after_call_requests_schedule
from telephony.events.monitor import notify_call_on_commit
from telephony.models import AnalysisStatus, CallAnalysis


def analysis_payload(analysis: CallAnalysis) -> AnalysisData:
    return AnalysisData(
        call_id=analysis.call_id,
        status="succeeded" if analysis.status == AnalysisStatus.SUCCEEDED else "failed",
        summary=analysis.summary,
        outcome=analysis.outcome or None,
        fields=analysis.fields,
        error=analysis.error,
    )


def analysis_finished(analysis: CallAnalysis) -> None:
    """Inside the transaction that saved it: both are sent after the commit."""
    call = analysis.call
    notify_call_on_commit(
        workspace_id=call.workspace_id,
        payload={
            "call_id": call.pk,
            "kind": "analysis",
            "status": call.status,
            "analysis_status": analysis.status,
        },
    )
    webhook_event_emit(
        workspace_id=call.workspace_id,
        event=EventType.CALL_ANALYZED,
        data=analysis_payload(analysis),
    )
    # Requests the graph sends after the call wait for the analysis they may read.
    if analysis.run == 1:
        after_call_requests_schedule(call=call)
