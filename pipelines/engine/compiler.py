"""compile_graph: a validated document turned, once, into linked runtime nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.graph.validation import GraphAnalysis, PipelineSettings, Problem, analyze_graph
from pipelines.nodes import BuildContext
from pipelines.nodes.base import TemplateRef
from pipelines.nodes.start import VOICEMAIL_OUTPUT, StartConfig
from pipelines.templating import CompiledTemplate, compile_template, is_cheap_condition
from pipelines.turn.chunker import split_sentences
from pipelines.turn.events import NodeEnterEvent, TextEvent
from pipelines.turn.runtime import NodeRuntime


class GraphInvalid(ValueError):
    """The graph has errors; ``problems`` lists them all (warnings included)."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(
            f"The pipeline has {len(errors)} problem(s): " + "; ".join(p.message for p in errors)
        )
        self.problems = problems


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Knobs of the runtime; ``None`` means the document's own settings."""

    iteration_limit: int | None = None
    turn_timeout_s: float | None = None
    fallback_line: str | None = None
    # node_enter / node_exit events: the test panel shows them; a voice worker may not need them.
    node_events: bool = True


@dataclass(slots=True, eq=False)
class CompiledNode:
    id: str
    type: str
    runtime: NodeRuntime
    is_async: bool
    enter_event: NodeEnterEvent
    # An instant node whose templates or conditions may be slow runs off the event loop.
    off_loop: bool = False
    # Output handle -> next node; filled once every node exists.
    next_by_handle: dict[str, CompiledNode] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompiledGraph:
    """Immutable and shared: one per published version, any number of conversations."""

    nodes: dict[str, CompiledNode]
    start_id: str
    first: CompiledNode | None
    # Where an outbound call answered by a voicemail goes instead (None: the output is open).
    voicemail: CompiledNode | None
    greeting: CompiledTemplate
    greeting_interruptible: bool
    iteration_limit: int
    turn_timeout_s: float
    fallback_events: tuple[TextEvent, ...]
    fallback_line: str
    node_events: bool
    problems: tuple[Problem, ...]


def compile_graph(doc: object, *, options: EngineOptions | None = None) -> CompiledGraph:
    """Validate and compile; raises ``GraphInvalid`` when the graph has errors."""
    options = options or EngineOptions()
    analysis = analyze_graph(doc)
    if analysis.has_errors or analysis.start_id is None:
        raise GraphInvalid(analysis.problems)
    nodes = _build_nodes(analysis)
    for (source, handle), target in analysis.routes.items():
        if source in nodes and target in nodes:
            nodes[source].next_by_handle[handle] = nodes[target]
    start_node = analysis.nodes[analysis.start_id]
    start_config = start_node.config
    assert isinstance(start_config, StartConfig)
    first_id = analysis.routes.get((analysis.start_id, "out"))
    voicemail_id = analysis.routes.get((analysis.start_id, VOICEMAIL_OUTPUT))
    settings = _effective_settings(analysis.settings, options)
    return CompiledGraph(
        nodes=nodes,
        start_id=analysis.start_id,
        first=nodes.get(first_id) if first_id else None,
        voicemail=nodes.get(voicemail_id) if voicemail_id else None,
        greeting=compile_template(start_config.greeting),
        greeting_interruptible=start_config.interruptible,
        iteration_limit=settings.iteration_limit,
        turn_timeout_s=settings.turn_timeout_s,
        fallback_events=tuple(
            TextEvent(s, analysis.start_id, True) for s in split_sentences(settings.fallback_line)
        ),
        fallback_line=settings.fallback_line,
        node_events=options.node_events,
        problems=tuple(analysis.problems),
    )


def _effective_settings(settings: PipelineSettings, options: EngineOptions) -> PipelineSettings:
    overrides: dict[str, Any] = {
        key: value
        for key, value in (
            ("iteration_limit", options.iteration_limit),
            ("turn_timeout_s", options.turn_timeout_s),
            ("fallback_line", options.fallback_line),
        )
        if value is not None
    }
    return settings.model_copy(update=overrides) if overrides else settings


def _build_nodes(analysis: GraphAnalysis) -> dict[str, CompiledNode]:
    assert analysis.document is not None
    nodes: dict[str, CompiledNode] = {}
    for parsed in analysis.nodes.values():
        build = parsed.node_type.build
        # Unreachable nodes are never run: compiling them would only cost time.
        if build is None or parsed.config is None or parsed.id not in analysis.reachable:
            continue
        runtime = build(
            BuildContext(
                node_id=parsed.id,
                config=parsed.config,
                phone_upstream=parsed.id in analysis.phone_reachable,
            )
        )
        nodes[parsed.id] = CompiledNode(
            id=parsed.id,
            type=parsed.node_type.key,
            runtime=runtime,
            is_async=runtime.is_async,
            enter_event=NodeEnterEvent(parsed.id, parsed.node_type.key),
            off_loop=not runtime.is_async
            and not all(_is_cheap(ref) for ref in parsed.node_type.templates(parsed.config)),
        )
    return nodes


def _is_cheap(ref: TemplateRef) -> bool:
    if ref.is_condition:
        return is_cheap_condition(ref.source)
    return compile_template(ref.source).is_cheap
