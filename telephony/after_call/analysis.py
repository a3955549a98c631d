"""Post-call analysis: after a call ends, a language model reads its transcript and answers
the summary, outcome and fields the pipeline's settings ask for.

The answer is validated against those settings (types, choices, dates); an answer that is
not what was asked fails the analysis with the reason, and nothing else. Its tokens are
billed like any model call, under the source ``analysis-<call>-<run>`` (a re-run is billed
again, as it costs again).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ValidationError, create_model

from pipelines.graph.analysis_settings import AnalysisField, AnalysisSettings
from pipelines.graph.validation import PipelineSettings
from pipelines.providers import provider_registry
from pipelines.turn.providers import ProviderRegistry
from telephony.after_call.analysis_events import analysis_finished
from telephony.models import AnalysisStatus, Call, CallAnalysis
from voice_models.llm.errors import LLMError
from voice_models.llm.types import ChatMessage, Usage
from voice_models.metering import usage_report_apply
from voice_models.selectors import default_llm_for, llm_configs

logger = logging.getLogger(__name__)

MAX_TRANSCRIPT_CHARS = 60_000
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


class AnalysisRejected(Exception):
    """The model's answer is not what was asked; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    summary: str
    outcome: str
    fields: dict[str, Any]


def analysis_settings_for(call: Call) -> AnalysisSettings | None:
    """The settings of what the call ran (its published version, or the tested draft)."""
    if call.pipeline_version is not None:
        graph = call.pipeline_version.graph
    elif call.pipeline is not None:
        graph = call.pipeline.draft
    else:
        return None
    raw = graph.get("settings") if isinstance(graph, dict) else None
    try:
        return PipelineSettings.model_validate(raw if isinstance(raw, dict) else {}).analysis
    except ValidationError:
        return None


def call_transcript(call: Call) -> str:
    lines = []
    for turn in call.turns.order_by("sequence"):
        if turn.user_text:
            lines.append(f"Caller: {turn.user_text}")
        if turn.agent_text:
            lines.append(f"Agent: {turn.agent_text}")
    return "\n".join(lines)[-MAX_TRANSCRIPT_CHARS:]


def _field_type(field: AnalysisField) -> Any:
    if field.type == "enum":
        return Literal[tuple(o for o in field.options if o.strip())]
    return {"string": str, "number": float, "boolean": bool, "date": dt.date}[field.type]


def _answer_model(settings: AnalysisSettings) -> type[BaseModel]:
    fields_spec: dict[str, Any] = {}
    for field in settings.fields:
        kind = _field_type(field)
        fields_spec[field.name] = (kind, ...) if field.required else (kind | None, None)
    fields_model = create_model("AnalysisFields", __config__={"extra": "ignore"}, **fields_spec)
    top: dict[str, Any] = {"fields": (fields_model, ...)}
    if settings.summary:
        top["summary"] = (str, ...)
    if settings.outcome_choices:
        top["outcome"] = (Literal[tuple(settings.outcome_choices)], ...)
    return create_model("AnalysisAnswer", __config__={"extra": "ignore"}, **top)


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "the answer"
    return f"{where}: {first.get('msg', 'invalid')}"


def parse_answer(text: str, settings: AnalysisSettings) -> AnalysisResult:
    """The model's answer, typed as the settings say; raises ``AnalysisRejected``."""
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0:
        raise AnalysisRejected("the model's answer is not a JSON object")
    try:
        decoded = json.loads(body[start : end + 1] if end > start else body[start:])
    except json.JSONDecodeError as error:
        raise AnalysisRejected(f"the model's answer is not valid JSON ({error.msg})") from None
    if not isinstance(decoded, dict):
        raise AnalysisRejected("the model's answer is not a JSON object")
    decoded.setdefault("fields", {})
    try:
        answer = _answer_model(settings).model_validate(decoded)
    except ValidationError as error:
        raise AnalysisRejected(_reason(error)) from None
    dumped = answer.model_dump(mode="json")
    return AnalysisResult(
        summary=str(dumped.get("summary", "")),
        outcome=str(dumped.get("outcome", "")),
        fields=dict(dumped["fields"]),
    )


def _messages(settings: AnalysisSettings, transcript: str) -> list[ChatMessage]:
    instructions = (
        "You analyse a finished phone call between a caller and an automated agent. "
        "Answer with one JSON object and nothing else, following this JSON Schema:\n"
        f"{json.dumps(settings.answer_schema())}\n"
        "Use null for a field the call did not give. Dates are YYYY-MM-DD."
    )
    if settings.summary:
        instructions += " The summary is two or three sentences, in the call's language."
    return [
        ChatMessage(role="system", content=instructions),
        ChatMessage(role="user", content=f"Transcript:\n{transcript or '(nothing was said)'}"),
    ]


def _registry_and_model(call: Call, settings: AnalysisSettings) -> tuple[ProviderRegistry, str]:
    """The provider registry of the workspace's language models, and the name to ask:
    the analysis settings' model, else the workspace's default."""
    configs = llm_configs(workspace=call.workspace)
    if not configs:
        raise AnalysisRejected("the workspace has no language model")
    default = default_llm_for(workspace=call.workspace)
    default_name = default.name if default else configs[0].name
    registry = provider_registry(llm_configs=configs, default_llm=default_name)
    return registry, settings.model or default_name


async def _complete(
    registry: ProviderRegistry, model: str, messages: list[ChatMessage]
) -> tuple[str, str, Usage]:
    try:
        client = registry.llm(model)
        usage = Usage()
        text = ""
        async for delta in client.stream(messages, temperature=0, max_tokens=1024):
            text += delta.text
            if delta.usage is not None:
                usage = usage + delta.usage
        return text, getattr(client, "usage_name", client.model), usage
    finally:
        await registry.aclose()


def _bill(call: Call, analysis: CallAnalysis, model_name: str, usage: Usage) -> None:
    if not (usage.input_tokens or usage.output_tokens):
        return
    now = timezone.now()
    pipeline_id = call.pipeline_version.pipeline_id if call.pipeline_version else call.pipeline_id
    usage_report_apply(
        workspace=call.workspace,
        source=analysis_source(call, run=analysis.run),
        sequence=1,
        usage={"llm_tokens": {model_name: usage_dict(usage)}},
        priced_on=now.date(),
        occurred_at=now,
        pipeline_id=pipeline_id,
        phone_number=call.number.e164 if call.number else "",
        is_test=call.is_test,
    )


def usage_dict(usage: Usage) -> dict[str, int]:
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}


def analysis_source(call: Call, *, run: int) -> str:
    return f"analysis-{call.pk}-{run}"


def call_analysis_run(*, call_id: int) -> CallAnalysis | None:
    """Runs the pending analysis of a call (the Celery task's body); never raises for what
    the model or the provider did: the analysis then fails with the reason."""
    analysis = (
        CallAnalysis.objects.select_related(
            "call__workspace", "call__pipeline_version", "call__pipeline", "call__number"
        )
        .filter(call_id=call_id, status=AnalysisStatus.PENDING)
        .first()
    )
    if analysis is None:
        return None
    call = analysis.call
    settings = analysis_settings_for(call)
    model_name = ""
    try:
        if settings is None:
            raise AnalysisRejected("the pipeline this call ran has no analysis settings")
        registry, model = _registry_and_model(call, settings)
        messages = _messages(settings, call_transcript(call))
        text, model_name, usage = asyncio.run(_complete(registry, model, messages))
        analysis.model_name = model_name
        analysis.input_tokens, analysis.output_tokens = usage.input_tokens, usage.output_tokens
        _bill(call, analysis, model_name, usage)
        result = parse_answer(text, settings)
    except AnalysisRejected as rejected:
        return _finish(analysis, error=f"analysis failed: {rejected}")
    except LLMError as error:
        return _finish(analysis, error=f"analysis failed: the language model answered {error}")
    except Exception as error:  # a provider or network failure: told, never a traceback
        logger.warning("analysis of call %s failed", call_id, exc_info=True)
        return _finish(analysis, error=f"analysis failed: {type(error).__name__}: {error}"[:500])
    analysis.summary, analysis.outcome, analysis.fields = (
        result.summary,
        result.outcome,
        result.fields,
    )
    return _finish(analysis, error="")


def _finish(analysis: CallAnalysis, *, error: str) -> CallAnalysis:
    analysis.status = AnalysisStatus.FAILED if error else AnalysisStatus.SUCCEEDED
    analysis.error = error[:500]
    analysis.finished_at = timezone.now()
    with transaction.atomic():
        analysis.save()
        analysis_finished(analysis)
    return analysis


def call_analysis_request(*, call: Call, rerun: bool = False) -> CallAnalysis | None:
    """Queues the analysis of an ended call whose pipeline asks for one (or, with ``rerun``,
    again); the task starts after the commit. None when there is nothing to analyse."""
    settings = analysis_settings_for(call)
    if settings is None or not (settings.enabled or rerun):
        return None
    analysis, created = CallAnalysis.objects.get_or_create(call=call)
    if not created:
        if not rerun:
            return analysis
        analysis.run += 1
        analysis.status = AnalysisStatus.PENDING
        analysis.summary = analysis.outcome = analysis.error = ""
        analysis.fields = {}
        analysis.requested_at = timezone.now()
        analysis.finished_at = None
        analysis.save()
    call_id = call.pk

    def start() -> None:
        from telephony.tasks import analyze_call

        analyze_call.delay(call_id)

    transaction.on_commit(start)
    return analysis
