"""HTTP request: call a web service (a CRM lookup...), map its JSON answer into variables."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipelines.nodes.base import BuildContext, NodeConfig, NodeType, TemplateRef, static_outputs
from pipelines.nodes.fields import VariableName, template_field
from pipelines.nodes.http_support import read_path, send
from pipelines.templating import CompiledTemplate, compile_template
from pipelines.turn.events import Event
from pipelines.turn.runtime import NodeRuntime, TurnState


class HeaderEntry(BaseModel):
    name: str = Field(title="Header", pattern=r"^[A-Za-z0-9-]{1,64}$")
    value: str = template_field("", title="Value")


class ResponseMapping(BaseModel):
    variable: VariableName
    path: str = Field(
        "", title="JSON path", description="Where in the answer, e.g. customer.name or items.0.id"
    )


class HttpRequestConfig(NodeConfig):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field("GET", title="Method")
    url: str = template_field(
        ...,
        title="URL",
        description="A web address starting with https:// (may use {{ }}).",
        pattern=r"^\s*(https?://|\{\{)",
    )
    headers: list[HeaderEntry] = Field(default_factory=list, title="Headers")
    body: str = template_field("", title="Body", description="JSON or text; may use {{ }}.")
    timeout_s: float = Field(3.0, title="Timeout (seconds)", gt=0, le=30)
    save: list[ResponseMapping] = Field(default_factory=list, title="Save from the answer")
    status_variable: VariableName | None = Field(None, title="Save the status code as")
    after_call: bool = Field(
        False,
        title="Run after the call",
        description=(
            "Sent once the caller has hung up (after the analysis, if any), with the call's "
            "variables, {{ analysis.outcome }}, {{ analysis.fields.* }} and {{ call.* }}. "
            "Reached during the call, it does nothing and goes on by success."
        ),
    )


class HttpRequestRuntime(NodeRuntime):
    __slots__ = ("_body", "_config", "_headers", "_url")
    is_async = True

    def __init__(self, node_id: str, config: HttpRequestConfig) -> None:
        super().__init__(node_id)
        self._config = config
        self._url = compile_template(config.url.strip())
        self._headers: tuple[tuple[str, CompiledTemplate], ...] = tuple(
            (h.name, compile_template(h.value)) for h in config.headers
        )
        self._body = compile_template(config.body) if config.body.strip() else None

    async def _payload(self, turn: TurnState) -> tuple[Any, str | None]:
        """(json, content): a body that reads as JSON is sent as JSON, else as text."""
        if self._body is None:
            return None, None
        text = await turn.render(self._body)
        try:
            return json.loads(text), None
        except ValueError:
            return None, text

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        if self._config.after_call:
            turn.step.output = "sent after the call"
            turn.branch = "success"
            return
            yield  # an async generator that yields nothing
        url = await turn.render(self._url)
        json_body, content = await self._payload(turn)
        turn.step.input = {"method": self._config.method, "url": url}
        outcome = await send(
            turn,
            method=self._config.method,
            url=url,
            headers={name: await turn.render(value) for name, value in self._headers},
            timeout_s=self._config.timeout_s,
            json_body=json_body,
            content=content,
        )
        values: dict[str, Any] = {}
        if self._config.status_variable and outcome.status is not None:
            values[self._config.status_variable] = outcome.status
        if outcome.ok:
            for mapping in self._config.save:
                values[mapping.variable] = read_path(outcome.body, mapping.path)
        if values:
            yield turn.set_variables(values)
        turn.step.output = outcome.text if outcome.ok else outcome.error
        turn.branch = "success" if outcome.ok else "error"


def _build(context: BuildContext[HttpRequestConfig]) -> NodeRuntime:
    return HttpRequestRuntime(context.node_id, context.config)


# What a request sent after the call may read besides the variables.
AFTER_CALL_ROOTS = frozenset({"analysis", "call"})


def _templates(config: HttpRequestConfig) -> Iterable[TemplateRef]:
    roots = AFTER_CALL_ROOTS if config.after_call else frozenset()
    yield TemplateRef("url", config.url, extra_roots=roots)
    yield TemplateRef("body", config.body, extra_roots=roots)
    for index, header in enumerate(config.headers):
        yield TemplateRef(f"headers.{index}.value", header.value, extra_roots=roots)


def _sets(config: HttpRequestConfig) -> Iterable[str]:
    yield from (mapping.variable for mapping in config.save)
    if config.status_variable:
        yield config.status_variable


HTTP_REQUEST = NodeType(
    key="http_request",
    label="HTTP request",
    description="Ask another system (a CRM, a booking service) and keep parts of its answer.",
    category="data",
    icon="globe",
    config_model=HttpRequestConfig,
    outputs=static_outputs("success", "error"),
    output_hint=("success", "error"),
    build=_build,
    templates=_templates,
    sets_variables=_sets,
)
