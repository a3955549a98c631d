"""Reads of telephony: numbers, calls, and what a new call should run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import Call, CallChannel, CallStatus, PhoneNumber, Trunk


class CallRejected(Exception):
    """A call that cannot be answered; ``reason`` is short and machine-readable."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CallSetup:
    """What a call runs: the number it came in on (if any) and a published version, or,
    for a browser voice test of the draft, the pipeline whose draft it runs."""

    workspace: Workspace
    number: PhoneNumber | None
    version: PipelineVersion | None
    call: Call | None
    draft_of: Pipeline | None = None

    @property
    def graph(self) -> dict[str, Any]:
        if self.version is not None:
            return dict(self.version.graph)
        assert self.draft_of is not None
        from pipelines.graph.document import migrate_document

        return migrate_document(self.draft_of.draft)

    @property
    def pipeline_id(self) -> int | None:
        if self.version is not None:
            return self.version.pipeline_id
        return self.draft_of.pk if self.draft_of is not None else None


def normalize_e164(raw: str) -> str:
    """``"+1 (555) 010-0"`` → ``"+15550100"``; a SIP URI's user part is kept."""
    raw = raw.strip()
    if raw.startswith(("sip:", "tel:")):
        raw = raw.split(":", 1)[1].split("@", 1)[0]
    digits = re.sub(r"[^\d]", "", raw)
    return f"+{digits}" if digits else ""


def phone_number_by_e164(*, e164: str) -> PhoneNumber | None:
    normalized = normalize_e164(e164)
    if not normalized:
        return None
    return (
        PhoneNumber.objects.select_related(
            "workspace", "pipeline", "asr_model", "tts_model", "llm_model", "trunk"
        )
        .filter(e164=normalized)
        .first()
    )


def latest_published_version(*, pipeline_id: int) -> PipelineVersion | None:
    return PipelineVersion.objects.filter(pipeline_id=pipeline_id).order_by("-number").first()


def number_version(*, number: PhoneNumber) -> PipelineVersion | None:
    """What the number answers with: the version it is pinned to, else its pipeline's
    latest published version."""
    if number.pinned_version_id is not None:
        return number.pinned_version
    if number.pipeline_id is None:
        return None
    return latest_published_version(pipeline_id=number.pipeline_id)


def number_refusal_at_limit(*, number: PhoneNumber) -> CallRejected | None:
    """The refusal of a new call on a number that already carries its own maximum."""
    limit = number.max_concurrent_calls
    if limit is None:
        return None
    active = Call.objects.filter(number=number).exclude(status=CallStatus.ENDED).count()
    if active < limit:
        return None
    return CallRejected(
        "number_busy", f"The number {number.e164} already carries its maximum of {limit} calls."
    )


def call_get(*, call_id: int) -> Call | None:
    return (
        Call.objects.select_related("workspace", "number", "pipeline_version")
        .filter(pk=call_id)
        .first()
    )


def active_call_count(*, workspace: Workspace) -> int:
    """Calls that take a line now; a chat test in the editor takes none."""
    return (
        Call.objects.filter(workspace=workspace)
        .exclude(status=CallStatus.ENDED)
        .exclude(channel=CallChannel.BROWSER_CHAT)
        .count()
    )


def trunk_active_call_count(*, trunk: Trunk) -> int:
    """Calls in progress on a trunk, both ways (a call is on the trunk of its number)."""
    return Call.objects.filter(number__trunk=trunk).exclude(status=CallStatus.ENDED).count()


def admission_capacity() -> int:
    """The most calls the admission can let in at once: every workspace's limit added up
    (each admitted call counts against its workspace's), at least one."""
    from django.db.models import Sum

    total = Workspace.objects.aggregate(total=Sum("max_concurrent_calls"))["total"]
    return max(1, int(total or 0))


def refuse_without_credits(*, workspace: Workspace) -> None:
    """No new call, inbound, outbound or test, once the workspace's credits are spent."""
    from betool.selectors import workspace_call_refusal

    refusal = workspace_call_refusal(workspace=workspace)
    if refusal is not None:
        raise CallRejected(refusal[0].value, refusal[1])


def call_setup_resolve(*, number_e164: str = "", call_id: int | None = None) -> CallSetup:
    """What a new voice session runs, from the dialled number or a call made beforehand.

    ``call_id`` (outbound calls, browser voice tests) names a Call whose pipeline version
    is already chosen; otherwise the number's pipeline answers with its latest version.
    Raises :class:`CallRejected` when nothing can answer. The limits on calls in progress
    are the admission's (:func:`telephony.services.call_admit`), taken under a lock.
    """
    if call_id is not None:
        call = call_get(call_id=call_id)
        if call is None:
            raise CallRejected("unknown_call", f"Call {call_id} does not exist.")
        if call.status == CallStatus.ENDED:
            raise CallRejected("call_ended", f"Call {call_id} has already ended.")
        version = call.pipeline_version
        number = call.number
        if version is None and call.is_test and call.pipeline is not None:
            return CallSetup(
                workspace=call.workspace, number=number, version=None, call=call,
                draft_of=call.pipeline,
            )  # fmt: skip
        if version is None and number is not None:
            version = number_version(number=number)
        if version is None:
            raise CallRejected("no_version", f"Call {call_id} has no pipeline version to run.")
        return CallSetup(workspace=call.workspace, number=number, version=version, call=call)

    number = phone_number_by_e164(e164=number_e164)
    if number is None:
        raise CallRejected("unknown_number", f"No phone number {number_e164!r} is configured.")
    if not number.enabled:
        raise CallRejected("number_disabled", f"The number {number.e164} is disabled.")
    if number.pipeline_id is None:
        raise CallRejected("no_pipeline", f"The number {number.e164} has no pipeline.")
    version = number_version(number=number)
    if version is None:
        raise CallRejected(
            "not_published", f"The pipeline of {number.e164} has no published version."
        )
    workspace = number.workspace
    # Cheap refusal before any lock; the admission checks credits and limits again, atomically.
    refuse_without_credits(workspace=workspace)
    return CallSetup(workspace=workspace, number=number, version=version, call=None)


def with_call_counters(queryset: QuerySet[Any], *, calls: str) -> QuerySet[Any]:
    """Annotates ``calls_today`` and ``calls_active`` through the relation path ``calls``
    (``"calls"`` for numbers, ``"numbers__calls"`` for trunks); test calls count too."""
    from django.db.models import Count, Q
    from django.utils import timezone

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return queryset.annotate(
        calls_today=Count(calls, filter=Q(**{f"{calls}__created_at__gte": today}), distinct=True),
        calls_active=Count(
            calls, filter=~Q(**{f"{calls}__status": CallStatus.ENDED}), distinct=True
        ),
    )


_CALL_SOURCE = "call-"


def caller_numbers_by_source(sources: set[str]) -> dict[str, str]:
    """The caller of each real call among ledger ``sources`` ("call-<id>"), for finance."""
    ids = [s.removeprefix(_CALL_SOURCE) for s in sources if s.startswith(_CALL_SOURCE)]
    rows = Call.objects.filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        f"{_CALL_SOURCE}{pk}": caller
        for pk, caller in rows.values_list("pk", "from_number")
        if caller
    }


def numbers_by_pipeline(pipeline_ids: list[int]) -> dict[int, list[str]]:
    """The phone numbers (E.164) that answer with each pipeline."""
    found: dict[int, list[str]] = {}
    rows = PhoneNumber.objects.filter(pipeline_id__in=pipeline_ids).values_list(
        "pipeline_id", "e164"
    )
    for pipeline_id, e164 in rows:
        found.setdefault(pipeline_id, []).append(e164)
    return found
