"""The Start node's voicemail output: the branch an outbound call takes on an answering machine."""

from __future__ import annotations

from pipelines.engine import Channel, Conversation, compile_graph
from pipelines.graph.validation import validate_graph
from tests.unit.pipelines.graphs import chain, document, edge, node, start


def voicemail_graph(*branch: dict, receiver: str = "phone_gateway") -> dict:
    nodes = [
        start(receiver=receiver, greeting="Hi, this is Acme. Is this a good time?"),
        node("ask", "say", text="Shall we go on?"),
        node("vm_say", "say", text="Please call Acme back.", interruptible=False),
        node("vm_bye", "hangup", message="Goodbye."),
        *branch,
    ]
    edges = [
        *chain("start", "ask"),
        edge("start", "voicemail", "vm_say"),
        *chain("vm_say", "vm_bye"),
    ]
    return document(nodes, edges)


async def _spoken(conversation: Conversation, text: str = "") -> tuple[list[str], list[str], dict]:
    spoken, actions, trace = [], [], {}
    async for event in conversation.run_turn(text):
        payload = event.as_dict()
        if payload["type"] == "text":
            spoken.append(payload["text"])
        elif payload["type"] == "action":
            actions.append(payload["action"])
        elif payload["type"] == "turn_end":
            trace = payload["trace"]
    return spoken, actions, trace


def _conversation(graph: dict) -> Conversation:
    return Conversation(compile_graph(graph), channel=Channel(source_type="phone_gateway"))


async def test_a_machine_takes_the_voicemail_branch_and_the_trace_says_so() -> None:
    conversation = _conversation(voicemail_graph())
    assert conversation.has_voicemail_branch
    assert conversation.answered_by_machine()
    spoken, actions, trace = await _spoken(conversation)
    assert spoken == ["Please call Acme back.", "Goodbye."]
    assert actions == ["hangup"]
    steps = [(s["node_id"], s.get("branch")) for s in trace["nodes"]]
    assert steps[0] == ("start", "voicemail")
    assert [node_id for node_id, _ in steps] == ["start", "vm_say", "vm_bye"]


async def test_a_person_takes_the_next_output_as_before() -> None:
    conversation = _conversation(voicemail_graph())
    spoken, actions, _ = await _spoken(conversation, "yes")
    assert spoken == ["Shall we go on?"]
    assert actions == []


async def test_without_the_branch_a_machine_has_nowhere_to_go() -> None:
    graph = document([start(receiver="phone_gateway"), node("ask", "say", text="Hi.")],
                     chain("start", "ask"))  # fmt: skip
    conversation = _conversation(graph)
    assert not conversation.has_voicemail_branch
    assert not conversation.answered_by_machine()
    spoken, _, _ = await _spoken(conversation, "hello")
    assert spoken == ["Hi."]  # the next turn is an ordinary one


def test_the_voicemail_output_is_optional_and_a_said_branch_is_no_problem() -> None:
    assert validate_graph(voicemail_graph()) == []
    plain = document([start(receiver="phone_gateway"), node("ask", "say", text="Hi.")],
                     chain("start", "ask"))  # fmt: skip
    assert validate_graph(plain) == []


def test_an_edge_from_start_without_a_handle_is_still_its_next_output() -> None:
    graph = document([start(), node("hi", "say", text="Hi.")], [edge("start", None, "hi")])
    assert validate_graph(graph) == []
    assert compile_graph(graph).first is not None
    assert compile_graph(graph).voicemail is None


def test_a_node_that_waits_for_an_answer_on_the_voicemail_branch_is_a_warning() -> None:
    graph = voicemail_graph(node("vm_agent", "agent", mission="Chat with the machine", model=""))
    graph["edges"] = [e for e in graph["edges"] if e["source"] != "vm_say"]
    graph["edges"].append(edge("vm_say", "out", "vm_agent"))
    problems = [p for p in validate_graph(graph) if p.code == "voicemail_branch_listens"]
    assert [(p.node_id, p.severity) for p in problems] == [("vm_agent", "warning")]
    assert "voicemail does not answer" in problems[0].message


def test_a_voicemail_branch_on_a_browser_only_start_is_a_warning() -> None:
    problems = validate_graph(voicemail_graph(receiver="browser_test"))
    assert [(p.code, p.node_id, p.handle) for p in problems] == [
        ("voicemail_without_calls", "start", "voicemail")
    ]
