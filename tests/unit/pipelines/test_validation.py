"""Graph validation: every problem, tied to its node, edge or handle; never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.graph.document import new_document
from pipelines.graph.validation import Problem, validate_graph
from tests.unit.pipelines.graphs import chain, document, edge, node, start


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [problem for problem in problems if problem.code == code]


def test_new_document_has_no_errors() -> None:
    problems = validate_graph(new_document())
    assert [p for p in problems if p.severity == "error"] == []


def test_a_simple_valid_graph_has_no_problems() -> None:
    doc = document(
        [start(), node("hi", "say", text="Hi {{ caller.number }}.")], chain("start", "hi")
    )
    assert validate_graph(doc) == []


def test_missing_start() -> None:
    problems = validate_graph(document([node("hi", "say", text="Hi.")], []))
    assert "missing_start" in codes(problems)


def test_more_than_one_start_points_at_the_extra_one() -> None:
    second = node("start2", "start")
    problems = only(validate_graph(document([start(), second], [])), "multiple_starts")
    assert [p.node_id for p in problems] == ["start2"]


def test_unknown_node_type() -> None:
    problems = only(
        validate_graph(document([start(), node("x", "teleport")], [])), "unknown_node_type"
    )
    assert problems[0].node_id == "x"
    assert "teleport" in problems[0].message


def test_invalid_config_reports_each_field_with_its_form_label() -> None:
    agent = node("a", "agent", temperature=7)
    problems = only(
        validate_graph(document([start(), agent], chain("start", "a"))), "invalid_config"
    )
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"mission", "temperature"}
    assert by_field["mission"].message == "Mission: this is required."
    assert by_field["temperature"].message.startswith("Temperature:")
    assert all(p.node_id == "a" and p.severity == "error" for p in problems)


def test_invalid_nested_config_names_the_item() -> None:
    router = node("r", "router", conditions=[{"name": "bad name!"}])
    problems = only(
        validate_graph(document([start(), router], chain("start", "r"))), "invalid_config"
    )
    assert problems[0].field == "conditions.0.name"


def test_config_rules_across_fields_are_told_without_a_field_prefix() -> None:
    classifier = node("c", "classifier", mode="keywords", intents=[{"name": "a"}])
    problems = only(validate_graph(document([start(), classifier], [])), "invalid_config")
    assert problems[0].message == "Intent 'a' needs at least one keyword."


def test_unreachable_node_is_a_warning() -> None:
    doc = document(
        [start(), node("hi", "say", text="Hi."), node("lost", "say", text="?")],
        chain("start", "hi"),
    )
    problems = only(validate_graph(doc), "unreachable_node")
    assert [(p.node_id, p.severity) for p in problems] == [("lost", "warning")]


def test_notes_are_never_unreachable() -> None:
    doc = document(
        [start(), node("n", "note", text="remember"), node("hi", "say", text="Hi.")],
        chain("start", "hi"),
    )
    assert validate_graph(doc) == []


def test_dangling_edges() -> None:
    doc = document([start()], [edge("start", "out", "ghost"), edge("nobody", "out", "start")])
    problems = only(validate_graph(doc), "dangling_edge")
    assert len(problems) == 2
    assert all(p.edge_id for p in problems)


def test_unknown_source_handle() -> None:
    doc = document([start(), node("hi", "say", text="Hi.")], [edge("start", "sideways", "hi")])
    problems = only(validate_graph(doc), "unknown_handle")
    assert problems[0].handle == "sideways"
    assert problems[0].node_id == "start"


def test_missing_source_handle_means_the_only_output() -> None:
    doc = document([start(), node("hi", "say", text="Hi.")], [edge("start", None, "hi")])
    assert validate_graph(doc) == []


def test_edge_into_start_is_refused() -> None:
    doc = document(
        [start(), node("hi", "say", text="Hi.")],
        [*chain("start", "hi"), edge("hi", "out", "start")],
    )
    assert "invalid_edge" in codes(validate_graph(doc))


def test_one_output_connected_twice() -> None:
    doc = document(
        [start(), node("a", "say", text="A."), node("b", "say", text="B.")],
        [edge("start", "out", "a"), edge("start", "out", "b")],
    )
    problems = only(validate_graph(doc), "output_has_two_branches")
    assert problems[0].handle == "out"


def test_open_router_outputs_are_errors() -> None:
    router = node(
        "r", "router", conditions=[{"name": "vip", "field": "exchange.intent", "value": "vip"}]
    )
    doc = document(
        [start(), router, node("v", "say", text="VIP.")],
        [*chain("start", "r"), edge("r", "condition:vip", "v")],
    )
    problems = only(validate_graph(doc), "unconnected_output")
    assert [(p.node_id, p.handle, p.severity) for p in problems] == [("r", "else", "error")]


def test_start_with_nothing_after_it_is_a_warning() -> None:
    problems = validate_graph(document([start()], []))
    assert [(p.code, p.severity) for p in problems] == [("unconnected_output", "warning")]


def test_unknown_variables_in_templates() -> None:
    nodes = [
        start(),
        node("set", "set_variables", assignments=[{"variable": "plan", "value": "gold"}]),
        node(
            "say",
            "say",
            text="{{ plan }} {{ exchange.user_message }} {{ caller.number }} {{ plna }}",
        ),
        node(
            "say2", "say", text="{{ exchange.user_mesage }} {{ variables.plan }} {{ caller.name }}"
        ),
    ]
    problems = only(
        validate_graph(document(nodes, chain("start", "set", "say", "say2"))), "unknown_variable"
    )
    found = sorted((p.node_id, p.message.split("'")[1]) for p in problems)
    assert found == [("say", "plna"), ("say2", "caller.name"), ("say2", "exchange.user_mesage")]
    assert all(p.field == "text" for p in problems)


def test_variables_from_every_setter_are_known() -> None:
    nodes = [
        start(),
        node("digits", "collect_digits", variable="pin"),
        node(
            "http",
            "http_request",
            url="https://crm.example/{{ pin }}",
            save=[{"variable": "customer", "path": "name"}],
        ),
        node(
            "agent",
            "agent",
            mission="Help {{ customer }} with {{ reason }}.",
            model="m",
            extract=[{"variable": "reason"}],
        ),
    ]
    edges = [
        edge("start", "out", "digits"),
        edge("digits", "out", "http"),
        edge("http", "success", "agent"),
    ]
    assert "unknown_variable" not in codes(validate_graph(document(nodes, edges)))


def test_template_syntax_and_sandbox_problems() -> None:
    nodes = [
        start(),
        node("a", "say", text="{{ oops "),
        node("b", "say", text="{{ ''.__class__ }}"),
    ]
    problems = only(validate_graph(document(nodes, chain("start", "a", "b"))), "invalid_template")
    assert {p.node_id for p in problems} == {"a", "b"}


def test_router_fields_are_checked_as_variables() -> None:
    router = node("r", "router", conditions=[{"name": "x", "field": "plna", "value": "gold"}])
    problems = only(
        validate_graph(document([start(), router], chain("start", "r"))), "unknown_variable"
    )
    assert problems[0].field == "conditions.0.field"


def test_loop_without_exit() -> None:
    nodes = [start(), node("a", "say", text="A."), node("b", "say", text="B.")]
    edges = [*chain("start", "a", "b"), edge("b", "out", "a")]
    problems = only(validate_graph(document(nodes, edges)), "endless_loop")
    assert sorted(p.node_id for p in problems) == ["a", "b"]


def test_self_loop_without_exit() -> None:
    nodes = [start(), node("a", "say", text="A.")]
    problems = only(
        validate_graph(document(nodes, [*chain("start", "a"), edge("a", "out", "a")])),
        "endless_loop",
    )
    assert [p.node_id for p in problems] == ["a"]


def test_loop_with_an_exit_is_fine() -> None:
    router = node(
        "r",
        "router",
        conditions=[{"name": "again", "field": "tries", "operator": "less_than", "value": "3"}],
    )
    nodes = [
        start(),
        node("count", "set_variables", assignments=[{"variable": "tries", "value": "1"}]),
        router,
        node("done", "say", text="Done."),
    ]
    edges = [
        *chain("start", "count", "r"),
        edge("r", "condition:again", "count"),
        edge("r", "else", "done"),
    ]
    assert "endless_loop" not in codes(validate_graph(document(nodes, edges)))


def test_loop_through_collect_digits_is_not_endless() -> None:
    nodes = [start(), node("d", "collect_digits"), node("s", "say", text="Again.")]
    edges = [
        *chain("start", "d"),
        edge("d", "out", "s"),
        edge("d", "no_input", "s"),
        edge("s", "out", "d"),
    ]
    assert "endless_loop" not in codes(validate_graph(document(nodes, edges)))


def test_bad_settings() -> None:
    doc = document([start()], [], iteration_limit=0, fallback_line="")
    fields = {p.field for p in only(validate_graph(doc), "invalid_settings")}
    assert fields == {"iteration_limit", "fallback_line"}


def test_problems_serialise() -> None:
    problem = validate_graph(document([], []))[0]
    assert problem.as_dict()["code"] == "missing_start"
    assert set(problem.as_dict()) == {
        "code",
        "message",
        "node_id",
        "edge_id",
        "handle",
        "severity",
        "field",
    }


def test_malformed_documents_become_problems() -> None:
    for doc in [
        None,
        3,
        "graph",
        [],
        {"schema_version": "x"},
        {"schema_version": 99},
        {"nodes": {}, "edges": 3},
    ]:
        problems = validate_graph(doc)
        assert problems
        assert all(isinstance(p, Problem) for p in problems)


def test_malformed_nodes_and_edges_become_problems() -> None:
    doc: dict[str, Any] = document(
        [
            start(),
            7,
            {"id": 3},
            {"id": "n"},
            {"id": "m", "type": "say", "data": {"config": "nope"}},
            {"id": "m", "type": "say"},
        ],
        [None, {"id": ""}, {"id": "e", "source": 1, "target": []}, {"id": "e", "source": "start"}],
    )
    found = set(codes(validate_graph(doc)))
    expected = {
        "invalid_node",
        "unknown_node_type",
        "invalid_config",
        "duplicate_node_id",
        "invalid_edge",
        "dangling_edge",
        "duplicate_edge_id",
    }
    assert expected <= found


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
NODE_TYPES = st.sampled_from(
    [
        "start",
        "say",
        "router",
        "agent",
        "classifier",
        "set_variables",
        "collect_digits",
        "http_request",
        "transfer",
        "hold",
        "hangup",
        "note",
        "bogus",
    ]
)
HANDLES = st.sampled_from(
    [
        "out",
        "else",
        "success",
        "error",
        "fallback",
        "intent:a",
        "condition:a",
        "no_input",
        None,
        "x",
    ]
)
IDS = st.sampled_from(["start", "a", "b", "c", "d"])


@st.composite
def near_valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    nodes = [
        {
            "id": draw(IDS),
            "type": draw(NODE_TYPES),
            "position": {"x": 0, "y": 0},
            "data": {"config": draw(JSON)},
        }
        for _ in range(draw(st.integers(0, 6)))
    ]
    edges = [
        {
            "id": draw(st.text(max_size=3)),
            "source": draw(IDS),
            "sourceHandle": draw(HANDLES),
            "target": draw(IDS | JSON),
            "targetHandle": draw(st.sampled_from(["in", None, "x"])),
        }
        for _ in range(draw(st.integers(0, 8)))
    ]
    return {
        "schema_version": draw(st.sampled_from([1, 2, 3, "2", None])),
        "nodes": nodes,
        "edges": edges,
        "settings": draw(JSON),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_gives_a_list_of_problems(doc: Any) -> None:
    problems = validate_graph(doc)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) for p in problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_valid_documents())
def test_near_valid_graphs_give_a_list_of_problems(doc: dict[str, Any]) -> None:
    problems = validate_graph(doc)
    assert all(isinstance(p, Problem) and p.message for p in problems)


def test_config_messages_use_form_labels_and_plain_words() -> None:
    nodes = [
        start(),
        node("r", "router", conditions=[{"name": "ok", "field": "plan"}, {"name": "bad name!"}]),
        node("h", "http_request", url="ftp://files", save=[{"variable": "1st"}]),
    ]
    doc = document(nodes, chain("start", "r"), input_variables=["plan"])
    messages = {p.field: p.message for p in only(validate_graph(doc), "invalid_config")}
    assert messages["conditions.1.name"].startswith("Conditions #2, Name: this is not allowed")
    assert "letters, digits" in messages["conditions.1.name"]
    assert messages["url"] == (
        "URL: this is not allowed here (A web address starting with https:// (may use {{ }}))."
    )
    assert messages["save.0.variable"].startswith("Save from the answer #1, Variable:")


def test_a_broken_node_does_not_make_its_successors_unreachable() -> None:
    nodes = [start(), node("a", "agent", model="m"), node("after", "say", text="Hi.")]
    problems = validate_graph(document(nodes, chain("start", "a", "after")))
    assert codes(problems) == ["invalid_config"]
