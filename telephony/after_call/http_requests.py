"""HTTP request nodes marked "after the call": sent once the caller has hung up (after the
analysis, when the pipeline has one), with the call's final variables, its analysis and its
facts. Each one's result is kept on the call as an event; a failure is recorded, not raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from betool.egress import EgressPolicy, EgressTransport
from pipelines.nodes.http_request import HttpRequestConfig
from pipelines.nodes.http_support import MAX_BODY_CHARS
from pipelines.templating import TemplateProblem, render
from telephony.models import Call, CallAnalysis, CallEvent, CallEventKind

logger = logging.getLogger(__name__)

EVENT_NAME = "after_call_request"


def after_call_nodes(call: Call) -> list[tuple[str, HttpRequestConfig]]:
    """(node id, config) of the HTTP request nodes of what the call ran marked after_call."""
    graph = call.pipeline_version.graph if call.pipeline_version else None
    if graph is None and call.pipeline is not None:
        graph = call.pipeline.draft
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    found = []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or node.get("type") != "http_request":
            continue
        data = node.get("data")
        raw = data.get("config") if isinstance(data, dict) else None
        try:
            config = HttpRequestConfig.model_validate(raw or {})
        except ValidationError:
            continue
        if config.after_call:
            found.append((str(node.get("id", "")), config))
    return found


def after_call_requests_schedule(*, call: Call) -> None:
    """After the commit, when the call ran a graph with such nodes."""
    if not after_call_nodes(call):
        return
    call_id = call.pk

    def start() -> None:
        from telephony.tasks import after_call_requests

        after_call_requests.delay(call_id)

    transaction.on_commit(start)


def _analysis(call: Call) -> dict[str, Any] | None:
    analysis = CallAnalysis.objects.filter(call=call).first()
    if analysis is None:
        return None
    return {
        "status": analysis.status,
        "summary": analysis.summary,
        "outcome": analysis.outcome,
        "fields": analysis.fields,
        "error": analysis.error,
    }


def template_context(call: Call) -> dict[str, Any]:
    variables = dict(call.variables or {})
    return {
        **variables,
        "variables": variables,
        "analysis": _analysis(call),
        "call": {
            "id": call.pk,
            "direction": call.direction,
            "from_number": call.from_number,
            "to_number": call.to_number,
            "end_reason": call.end_reason,
            "duration_s": call.duration_s,
            "is_test": call.is_test,
        },
        "caller": {"number": call.from_number},
    }


async def _send(config: HttpRequestConfig, context: dict[str, Any]) -> dict[str, Any]:
    url = render(config.url.strip(), context)
    result: dict[str, Any] = {"method": config.method, "url": url}
    headers = {h.name: render(h.value, context) for h in config.headers}
    body = render(config.body, context) if config.body.strip() else None
    json_body: Any = None
    if body is not None:
        with contextlib.suppress(ValueError):
            json_body, body = json.loads(body), None
    policy = EgressPolicy(allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK)
    async with httpx.AsyncClient(
        transport=EgressTransport(policy=policy), timeout=config.timeout_s
    ) as client:
        try:
            response = await client.request(
                config.method, url, headers=headers, json=json_body, content=body
            )
        except httpx.TimeoutException:
            return {**result, "error": f"no answer within {config.timeout_s:g}s"}
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            return {**result, "error": f"request failed: {error}"}
    result["status"] = response.status_code
    result["response"] = response.text[:MAX_BODY_CHARS]
    if not response.is_success:
        result["error"] = f"the server answered {response.status_code}"
    return result


def after_call_requests_run(*, call_id: int) -> list[dict[str, Any]]:
    """Sends each after-call request of the call once (a retried task sends none twice);
    returns what each did, as recorded on the call."""
    call = Call.objects.select_related("pipeline_version", "pipeline").get(pk=call_id)
    done = set(
        CallEvent.objects.filter(call=call, name=EVENT_NAME).values_list("data__node_id", flat=True)
    )
    context = template_context(call)
    results = []
    for node_id, config in after_call_nodes(call):
        if node_id in done:
            continue
        try:
            outcome = asyncio.run(_send(config, context))
        except TemplateProblem as problem:
            outcome = {"method": config.method, "error": str(problem)}
        outcome["node_id"] = node_id
        kind = CallEventKind.ERROR if outcome.get("error") else CallEventKind.TOOL
        CallEvent.objects.create(
            call=call, kind=kind, name=EVENT_NAME, data=outcome, occurred_at=timezone.now()
        )
        results.append(outcome)
    return results
