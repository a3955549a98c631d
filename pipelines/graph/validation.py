"""Graph validation: every problem of a document, each tied to its node, edge or handle.

``analyze_graph`` is the single reading of a document that both ``validate_graph`` (for the
editor) and ``compile_graph`` (for the runtime) use, so they never disagree. It never raises,
whatever JSON it is given: a malformed part becomes a problem and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.graph.analysis_settings import AnalysisSettings
from pipelines.graph.document import DEFAULT_SETTINGS, GraphDocumentError, migrate_document
from pipelines.graph.recording_settings import RecordingSettings
from pipelines.nodes import NODE_TYPES, ModelRef, NodeType, TemplateRef
from pipelines.nodes.config_errors import describe_config_errors
from pipelines.nodes.fields import VariableName
from pipelines.nodes.start import PHONE_GATEWAY, VOICEMAIL_OUTPUT
from pipelines.templating import TemplateProblem, template_variables

Severity = Literal["error", "warning"]

# What templates may read besides variables: exchange fields, caller details, history.
EXCHANGE_FIELDS = {"user_message": None, "intent": None, "digits": None, "channel": {"source_type"}}
CALLER_FIELDS = frozenset({"number"})
OPEN_ROOTS = frozenset({"history"})
TEMPLATE_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"})


# What a model field holds when it means "the workspace's default language model"
# ("default" is what pipelines said before the editor offered a picker).
WORKSPACE_DEFAULT_MODELS = frozenset({"", "default"})
# Outputs that must lead somewhere, unless the designer marks them as ending the turn:
# a choice that leads nowhere is a caller left in silence.
CHOICE_NODE_TYPES = frozenset({"classifier", "router"})
# Nodes that wait for what the caller says or keys: a voicemail never answers them.
LISTENING_NODE_TYPES = frozenset({"agent", "classifier", "collect_digits"})


@dataclass(frozen=True, slots=True)
class LanguageModels:
    """The workspace's configured language models, as a node's model field may name them."""

    # Configuration names and provider model ids.
    names: frozenset[str]
    # The name the workspace default resolves to; None when the workspace has no model.
    default: str | None

    def resolves(self, name: str) -> bool:
        if name.strip() in WORKSPACE_DEFAULT_MODELS:
            return self.default is not None
        return name in self.names


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a graph, in words a designer understands."""

    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    handle: str | None = None
    severity: Severity = "error"
    # The config field it concerns (dotted, e.g. "conditions.0.value"), for the inspector.
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "node_id": self.node_id,
            "edge_id": self.edge_id,
            "handle": self.handle,
            "severity": self.severity,
            "field": self.field,
        }


class PipelineSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Titles as the editor's pipeline settings form shows them (problems quote them).
    fallback_line: str = Field(
        DEFAULT_SETTINGS["fallback_line"], title="Fallback line", min_length=1, max_length=500
    )
    iteration_limit: int = Field(
        DEFAULT_SETTINGS["iteration_limit"], title="Visits of one node per turn", ge=1, le=50
    )
    turn_timeout_s: float = Field(
        DEFAULT_SETTINGS["turn_timeout_s"], title="Turn timeout (seconds)", gt=0, le=120
    )
    # Variables the session provides when the call starts (e.g. from the phone number's
    # set-up or an outbound call request): declared so templates may use them.
    input_variables: list[VariableName] = Field(
        default_factory=list, title="Variables given at call start"
    )
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings, title="After the call")
    recording: RecordingSettings = Field(default_factory=RecordingSettings, title="Recording")


@dataclass(frozen=True, slots=True)
class ParsedNode:
    id: str
    node_type: NodeType[Any]
    label: str
    # None when the config is invalid (its problems are reported).
    config: BaseModel | None
    # Output handles the designer marked as ending the turn when left open.
    ends_turn: frozenset[str] = frozenset()

    @property
    def title(self) -> str:
        """How the designer knows the node: its label, else its type's name."""
        return self.label or self.node_type.label


@dataclass(slots=True)
class GraphAnalysis:
    """What a document says, read once: nodes, routes by output handle, and the problems."""

    problems: list[Problem] = field(default_factory=list)
    # Errors that block publishing but not running: a version already published (or a
    # test of an older draft) still runs, and an open output there just ends the turn.
    design_problems: list[Problem] = field(default_factory=list)
    document: dict[str, Any] | None = None
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    nodes: dict[str, ParsedNode] = field(default_factory=dict)
    start_id: str | None = None
    # (source node id, output handle) -> target node id
    routes: dict[tuple[str, str], str] = field(default_factory=dict)
    reachable: set[str] = field(default_factory=set)
    # Nodes with a phone_gateway Start upstream: their agents get the voice tools.
    phone_reachable: set[str] = field(default_factory=set)

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)

    def report(self, code: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(code, message, **where))


def validate_graph(doc: object, *, language_models: LanguageModels | None = None) -> list[Problem]:
    """Every problem of ``doc``, errors and warnings. Never raises.

    With ``language_models`` (the workspace's), a node whose model would not resolve at
    run time is an error too; without, models are not checked (a published version keeps
    running on the workspace default when a model is removed)."""
    analysis = analyze_graph(doc)
    if language_models is not None and analysis.document is not None:
        _check_models(analysis, language_models)
    return [*analysis.problems, *analysis.design_problems]


def analyze_graph(doc: object) -> GraphAnalysis:
    analysis = GraphAnalysis()
    try:
        _analyze(doc, analysis)
    except RecursionError:
        analysis.report("invalid_document", "The graph is nested too deeply to be read.")
    return analysis


def _analyze(doc: object, analysis: GraphAnalysis) -> None:
    try:
        document = migrate_document(doc)
    except GraphDocumentError as error:
        analysis.report("invalid_document", str(error))
        return
    except (TypeError, AttributeError, KeyError, ValueError):
        # An old-schema document whose parts are the wrong shape trips its migration.
        analysis.report("invalid_document", "The graph's nodes or edges are not readable.")
        return
    analysis.document = document
    _read_settings(document.get("settings"), analysis)
    _read_nodes(document.get("nodes"), analysis)
    _read_edges(document.get("edges"), analysis)
    if analysis.start_id is None:
        return
    analysis.reachable = _reachable_from(analysis.start_id, analysis.routes)
    start = analysis.nodes[analysis.start_id]
    if start.config is not None and getattr(start.config, "receiver", None) == PHONE_GATEWAY:
        analysis.phone_reachable = set(analysis.reachable)
    _check_reachability(analysis)
    _check_unconnected_outputs(analysis)
    _check_voicemail_branch(analysis)
    _check_templates(analysis)
    _check_endless_loops(analysis)


def _read_settings(raw: object, analysis: GraphAnalysis) -> None:
    try:
        analysis.settings = PipelineSettings.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as error:
        for problem in describe_config_errors(PipelineSettings, error):
            analysis.report(
                "invalid_settings", f"Pipeline settings, {problem.message}", field=problem.field
            )


def _describe_label(node_type: NodeType[Any], label: str) -> str:
    return f"{node_type.label} '{label}'" if label else node_type.label


def _describe(node: ParsedNode) -> str:
    return _describe_label(node.node_type, node.label)


def _sentence(text: str) -> str:
    """The text with a capital first letter (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def describe_handle(handle: str) -> str:
    """An output as the canvas labels it: the intent's or condition's name, or its word
    ("Fallback", "Else", "Error")."""
    for prefix, kind in (("intent:", "intent"), ("condition:", "condition")):
        if handle.startswith(prefix):
            return f"the {kind} '{handle.removeprefix(prefix)}'"
    words = {"out": "Next", "no_input": "No input", "no_answer": "No answer"}
    return f"the output '{words.get(handle, handle.capitalize())}'"


def _read_nodes(raw: object, analysis: GraphAnalysis) -> None:
    if not isinstance(raw, list):
        analysis.report("invalid_document", "The graph's nodes must be a list.")
        return
    starts: list[str] = []
    for index, item in enumerate(raw):
        node = _read_node(index, item, analysis)
        if node is None:
            continue
        analysis.nodes[node.id] = node
        if node.node_type.key == "start":
            starts.append(node.id)
    if not starts:
        analysis.report("missing_start", "Add a Start node: every call begins there.")
    else:
        analysis.start_id = starts[0]
        for extra in starts[1:]:
            analysis.report(
                "multiple_starts",
                "A pipeline has exactly one Start node; remove this one.",
                node_id=extra,
            )


def _read_node(index: int, item: object, analysis: GraphAnalysis) -> ParsedNode | None:
    if not isinstance(item, dict):
        analysis.report("invalid_node", f"Node #{index + 1} is not a node object.")
        return None
    node_id = item.get("id")
    if not isinstance(node_id, str) or not node_id:
        analysis.report("invalid_node", f"Node #{index + 1} has no id.")
        return None
    if node_id in analysis.nodes:
        analysis.report(
            "duplicate_node_id", f"Two nodes share the id '{node_id}'.", node_id=node_id
        )
        return None
    type_key = item.get("type")
    node_type = NODE_TYPES.get(type_key) if isinstance(type_key, str) else None
    if node_type is None:
        analysis.report(
            "unknown_node_type",
            f"This node's type ({type_key!r}) does not exist in this version of betool.",
            node_id=node_id,
        )
        return None
    data = item.get("data")
    data = data if isinstance(data, dict) else {}
    label = data.get("label")
    label = label if isinstance(label, str) else ""
    raw_ends = data.get("ends_turn")
    ends_turn = frozenset(
        handle
        for handle in (raw_ends if isinstance(raw_ends, list) else [])
        if isinstance(handle, str)
    )
    raw_config = data.get("config", {})
    if not isinstance(raw_config, dict):
        analysis.report("invalid_config", "This node's settings are unreadable.", node_id=node_id)
        return ParsedNode(node_id, node_type, label, None, ends_turn)
    try:
        config = node_type.parse(raw_config)
    except ValidationError as error:
        _report_config_errors(node_id, node_type, error, analysis)
        return ParsedNode(node_id, node_type, label, None, ends_turn)
    return ParsedNode(node_id, node_type, label, config, ends_turn)


def _report_config_errors(
    node_id: str, node_type: NodeType[Any], error: ValidationError, analysis: GraphAnalysis
) -> None:
    for problem in describe_config_errors(node_type.config_model, error):
        analysis.report("invalid_config", problem.message, node_id=node_id, field=problem.field)


def _outputs_of(node: ParsedNode) -> tuple[str, ...] | None:
    """Output handles, or None when the config is invalid and they cannot be known."""
    if node.config is None:
        return None
    return node.node_type.outputs(node.config)


def _read_edges(raw: object, analysis: GraphAnalysis) -> None:
    if not isinstance(raw, list):
        analysis.report("invalid_document", "The graph's edges must be a list.")
        return
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            analysis.report("invalid_edge", f"Connection #{index + 1} is not a connection object.")
            continue
        edge_id = item.get("id")
        if not isinstance(edge_id, str) or not edge_id:
            analysis.report("invalid_edge", f"Connection #{index + 1} has no id.")
            continue
        if edge_id in seen:
            analysis.report(
                "duplicate_edge_id", f"Two connections share the id '{edge_id}'.", edge_id=edge_id
            )
            continue
        seen.add(edge_id)
        _read_edge(edge_id, item, analysis)


def _read_edge(edge_id: str, item: dict[str, Any], analysis: GraphAnalysis) -> None:
    source_id, target_id = item.get("source"), item.get("target")
    source = analysis.nodes.get(source_id) if isinstance(source_id, str) else None
    target = analysis.nodes.get(target_id) if isinstance(target_id, str) else None
    if source is None or target is None:
        missing = "start" if source is None else "end"
        analysis.report(
            "dangling_edge",
            f"This connection's {missing} is not attached to any node; delete or reattach it.",
            edge_id=edge_id,
        )
        return
    if not target.node_type.has_input:
        analysis.report(
            "invalid_edge",
            f"Nothing can lead into {_describe(target)}.",
            edge_id=edge_id,
            node_id=target.id,
        )
        return
    target_handle = item.get("targetHandle")
    if target_handle not in (None, "in"):
        analysis.report(
            "unknown_handle",
            f"This connection ends on an input ({target_handle!r}) the node does not have.",
            edge_id=edge_id,
            node_id=target.id,
            handle=str(target_handle),
        )
        return
    outputs = _outputs_of(source)
    handle = item.get("sourceHandle")
    if outputs is None:
        # The source's config problems are reported already; keep the route as drawn so its
        # downstream nodes are not also reported as unreachable.
        analysis.routes.setdefault((source.id, str(handle or "out")), target.id)
        return
    required = [o for o in outputs if o not in source.node_type.optional_outputs]
    if handle is None and len(required) == 1:
        # React Flow saves no handle id for a node's only output (Start's, before it had
        # the optional voicemail one).
        handle = required[0]
    if not isinstance(handle, str) or handle not in outputs:
        analysis.report(
            "unknown_handle",
            f"This connection leaves an output ({handle!r}) that {_describe(source)} "
            "does not have.",
            edge_id=edge_id,
            node_id=source.id,
            handle=handle if isinstance(handle, str) else None,
        )
        return
    if (source.id, handle) in analysis.routes:
        analysis.report(
            "output_has_two_branches",
            f"{_sentence(describe_handle(handle))} is connected twice; a turn can follow only "
            "one connection.",
            edge_id=edge_id,
            node_id=source.id,
            handle=handle,
        )
        return
    analysis.routes[(source.id, handle)] = target.id


def _successors(routes: Mapping[tuple[str, str], str]) -> dict[str, list[str]]:
    successors: dict[str, list[str]] = {}
    for (source, _handle), target in routes.items():
        successors.setdefault(source, []).append(target)
    return successors


def _reachable_from(start: str, routes: Mapping[tuple[str, str], str]) -> set[str]:
    successors = _successors(routes)
    seen = {start}
    frontier = [start]
    while frontier:
        for target in successors.get(frontier.pop(), ()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def _check_reachability(analysis: GraphAnalysis) -> None:
    for node in analysis.nodes.values():
        if node.id in analysis.reachable or not node.node_type.has_input:
            continue
        analysis.report(
            "unreachable_node",
            f"{_describe(node)} is never reached: nothing leads to it from Start.",
            node_id=node.id,
            severity="warning",
        )


def _check_unconnected_outputs(analysis: GraphAnalysis) -> None:
    """Branching outputs left open: the turn would silently stop there."""
    for node in analysis.nodes.values():
        outputs = _outputs_of(node)
        if not outputs or node.id not in analysis.reachable:
            continue
        is_start = node.node_type.key == "start"
        if len(outputs) < 2 and not is_start:
            continue  # a lone "out" left open is the normal end of a turn
        is_choice = node.node_type.key in CHOICE_NODE_TYPES
        for handle in outputs:
            if (node.id, handle) in analysis.routes or handle in node.ends_turn:
                continue
            if handle in node.node_type.optional_outputs:
                continue
            severity: Severity = "warning"
            if is_start:
                message = "Nothing follows Start: callers will only hear the greeting."
            elif handle == "error":
                message = (
                    "The 'error' output leads nowhere: if the request fails, the caller "
                    "hears the pipeline's fallback line."
                )
            elif is_choice:
                severity = "error"
                message = (
                    f"{_sentence(describe_handle(handle))} leads nowhere: connect it, or mark "
                    "it as ending the turn (the caller would hear nothing more)."
                )
            else:
                message = (
                    f"{_sentence(describe_handle(handle))} leads nowhere: when it is chosen, "
                    "the turn ends without anything more being said."
                )
            problem = Problem(
                "unconnected_output", message, node_id=node.id, handle=handle, severity=severity
            )
            (analysis.design_problems if is_choice else analysis.problems).append(problem)


def _check_voicemail_branch(analysis: GraphAnalysis) -> None:
    """The voicemail branch speaks to a recording: a node on it that waits for an answer
    would wait for nothing (the call is hung up once the branch has spoken)."""
    assert analysis.start_id is not None
    first = analysis.routes.get((analysis.start_id, VOICEMAIL_OUTPUT))
    if first is None:
        return
    start = analysis.nodes[analysis.start_id]
    if start.config is not None and getattr(start.config, "receiver", None) != PHONE_GATEWAY:
        analysis.report(
            "voicemail_without_calls",
            "The voicemail output is only taken by phone calls: this Start answers browser "
            "tests only.",
            node_id=start.id,
            handle=VOICEMAIL_OUTPUT,
            severity="warning",
        )
    for node_id in sorted(_reachable_from(first, analysis.routes)):
        node = analysis.nodes.get(node_id)
        if node is None or node.node_type.key not in LISTENING_NODE_TYPES:
            continue
        analysis.report(
            "voicemail_branch_listens",
            f"{_describe(node)} is on the voicemail branch, but a voicemail does not answer: "
            "leave the message with a Say node, then Hang up.",
            node_id=node.id,
            severity="warning",
        )


def _variables_set(analysis: GraphAnalysis) -> set[str]:
    names: set[str] = set(analysis.settings.input_variables)
    for node in analysis.nodes.values():
        if node.config is not None:
            names.update(node.node_type.sets_variables(node.config))
    return names


def _unknown_reference(path: str, variables: set[str], extra_roots: frozenset[str]) -> bool:
    root, _, rest = path.partition(".")
    first, _, second = rest.partition(".")
    if root in OPEN_ROOTS or root in extra_roots or root in TEMPLATE_GLOBALS:
        return False
    if root == "exchange":
        if not first:
            return False
        if first not in EXCHANGE_FIELDS:
            return True
        allowed = EXCHANGE_FIELDS[first]
        return bool(second) and allowed is not None and second not in allowed
    if root == "caller":
        return bool(first) and first not in CALLER_FIELDS
    if root == "variables":
        return bool(first) and first not in variables
    return root not in variables


def _template_refs(node: ParsedNode) -> Iterable[TemplateRef]:
    if node.config is None:
        return ()
    return node.node_type.templates(node.config)


def _check_templates(analysis: GraphAnalysis) -> None:
    variables = _variables_set(analysis)
    for node in analysis.nodes.values():
        for ref in _template_refs(node):
            try:
                paths = template_variables(ref.source, expression=ref.is_condition)
            except TemplateProblem as problem:
                analysis.report("invalid_template", str(problem), node_id=node.id, field=ref.field)
                continue
            for path in sorted(paths):
                if _unknown_reference(path, variables, ref.extra_roots):
                    analysis.report(
                        "unknown_variable",
                        f"'{path}' is not something this pipeline knows. Use exchange.*, "
                        "caller.number, or a variable that a node of this pipeline sets.",
                        node_id=node.id,
                        field=ref.field,
                    )


def _strongly_connected(nodes: Iterable[str], successors: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (a deep graph must not hit the recursion limit)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index_of:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = successors.get(node, [])
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if low[node] == index_of[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _check_endless_loops(analysis: GraphAnalysis) -> None:
    """A loop is endless when no node in it can end the turn or lead out of it."""
    successors = _successors(analysis.routes)
    for component in _strongly_connected(analysis.nodes, successors):
        members = set(component)
        is_cycle = len(component) > 1 or component[0] in successors.get(component[0], [])
        if not is_cycle or any(_can_leave(analysis, node_id, members) for node_id in component):
            continue
        names = ", ".join(_describe(analysis.nodes[n]) for n in sorted(component))
        for node_id in sorted(component):
            analysis.report(
                "endless_loop",
                f"These nodes loop with no way out: {names}. Each turn would stop at the "
                "iteration limit; add a branch that leaves the loop.",
                node_id=node_id,
            )


def _can_leave(analysis: GraphAnalysis, node_id: str, members: set[str]) -> bool:
    node = analysis.nodes[node_id]
    outputs = _outputs_of(node)
    if node.node_type.can_end_turn or outputs is None:
        return True
    for handle in outputs:
        target = analysis.routes.get((node_id, handle))
        if target is None or target not in members:
            return True
    return False


def _model_refs(node: ParsedNode) -> Iterable[ModelRef]:
    if node.config is None:
        return ()
    return node.node_type.models(node.config)


def _check_models(analysis: GraphAnalysis, models: LanguageModels) -> None:
    """Nodes whose language model would not resolve: at run time they could only say the
    fallback line, so the editor says it now."""
    for node in analysis.nodes.values():
        for ref in _model_refs(node):
            if models.resolves(ref.name):
                continue
            if models.default is None:
                code = "needs_language_model"
                message = "Needs a language model: none is set up in this workspace yet."
            else:
                code = "unknown_model"
                message = (
                    f"Model: '{ref.name}' is not one of this workspace's language models; "
                    "pick one, or the workspace default."
                )
            analysis.design_problems.append(
                Problem(code, message, node_id=node.id, field=ref.field)
            )
