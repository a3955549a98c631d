"""A phone call and a browser test open their conversation the same way: on the workspace's
default model when nothing names another, with the same fallback line."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pipelines.engine import compile_graph
from pipelines.graph.document import DEFAULT_FALLBACK_LINE
from pipelines.test_session import build_test_session
from telephony.worker.session import build_conversation
from tests.unit.pipelines.graphs import chain, document, node, start
from tests.unit.telephony.test_worker_parts import fake_state
from voice_models.adapters import ModelConfig

CONFIGS = (
    ModelConfig(name="Front desk", kind="llm", provider="openai_compatible", model="gpt-a",
                base_url="http://127.0.0.1:9/v1", api_key="k"),
    ModelConfig(name="Other", kind="llm", provider="openai_compatible", model="gpt-b",
                base_url="http://127.0.0.1:9/v1", api_key="k"),
)  # fmt: skip


def _graph(**settings: Any) -> dict[str, Any]:
    nodes = [start("phone_gateway"), node("a", "agent", mission="Help.")]
    return document(nodes, chain("start", "a"), **settings)


def _phone(graph: dict[str, Any], *, default_llm: str | None) -> Any:
    state = fake_state()
    state.plan = replace(state.plan, graph=graph, llms=CONFIGS, default_llm=default_llm)
    state.conversation = build_conversation(state)
    return state


def _browser(graph: dict[str, Any]) -> Any:
    return build_test_session(
        compiled=compile_graph(graph),
        workspace=None,  # type: ignore[arg-type]
        pipeline_id=1,
        session_id="s",
        llm_configs=CONFIGS,
    )


async def test_both_sessions_fall_back_to_the_same_model() -> None:
    phone = _phone(_graph(), default_llm=None)
    browser = _browser(_graph())
    assert phone.conversation.providers.llm("").model == "gpt-a"
    assert browser.conversation.providers.llm("").model == "gpt-a"
    # A number's own model is the phone's default; the summary of a warm transfer uses it.
    assert _phone(_graph(), default_llm="Other").summary_llm().model == "gpt-b"
    await phone.conversation.aclose()
    await browser.close()


async def test_both_sessions_say_the_same_fallback_line() -> None:
    phone, browser = _phone(_graph(), default_llm=None), _browser(_graph())
    assert phone.fallback_line == browser.conversation.fallback_line == DEFAULT_FALLBACK_LINE
    own = _phone(_graph(fallback_line="Bear with me."), default_llm=None)
    assert own.fallback_line == "Bear with me."
