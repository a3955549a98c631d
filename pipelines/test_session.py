"""A browser test session: the draft (or a version) compiled once, run turn by turn.

The same engine and tools as a phone call: hang-up and transfer act on the test session
(the session ends, the transfer is shown), and usage is metered as test usage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone

from betool.access import Actor
from betool.models import Workspace
from pipelines import selectors
from pipelines.engine import Channel, Conversation, Event, TurnEndEvent, VoiceActions, compile_graph
from pipelines.engine.providers import ProviderRegistry
from pipelines.engine.trace import TurnUsage
from pipelines.providers import provider_registry
from voice_models.adapters import ModelConfig
from voice_models.llm.types import Usage
from voice_models.metering import usage_report_apply
from voice_models.selectors import llm_configs


@dataclass
class TestSession:
    session_id: str
    pipeline_id: int
    conversation: Conversation
    providers: ProviderRegistry
    workspace: Workspace
    actions: list[dict[str, Any]] = field(default_factory=list)
    # The session's LLM tokens so far, by model: billed as test usage after each turn.
    llm_tokens: dict[str, Usage] = field(default_factory=dict)
    turns: int = 0

    async def greet(self) -> AsyncIterator[dict[str, Any]]:
        async for event in self.conversation.greet():
            yield self._out(event)

    async def run_turn(
        self, text: str, *, digits: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        if self.conversation.ended:
            yield {
                "type": "error",
                "code": "session_ended",
                "message": "The pipeline ended this call. Reset to start again.",
            }
            return
        async for event in self.conversation.run_turn(text, digits=digits):
            yield self._out(event)
            if isinstance(event, TurnEndEvent):
                # After the turn is out: the designer does not wait for the ledger.
                await self._bill(event.usage)

    async def _bill(self, usage: TurnUsage) -> None:
        if not usage.tokens:
            return
        for model, tokens in usage.tokens.items():
            known = self.llm_tokens.get(model)
            self.llm_tokens[model] = tokens if known is None else known + tokens
        self.turns += 1
        report = {
            "llm_tokens": {
                model: {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens}
                for model, u in self.llm_tokens.items()
            }
        }
        await sync_to_async(usage_report_apply)(
            workspace=self.workspace,
            source=f"test-{self.session_id}",
            sequence=self.turns,
            usage=report,
            priced_on=timezone.localdate(),
            occurred_at=timezone.now(),
            pipeline_id=self.pipeline_id,
            is_test=True,
        )

    def _out(self, event: Event) -> dict[str, Any]:
        payload = event.as_dict()
        if isinstance(event, TurnEndEvent):
            payload["variables"] = dict(self.conversation.variables)
            payload["ended"] = self.conversation.ended
        return payload

    async def close(self) -> None:
        await self.providers.aclose()


def _load(actor: Actor, pipeline_id: int, version: str) -> tuple[dict[str, Any], list[ModelConfig]]:
    pipeline = selectors.pipeline_get(workspace=actor.workspace, pipeline_id=pipeline_id)
    graph = selectors.graph_of(
        pipeline=pipeline, version=version if version == "draft" else int(version)
    )
    return graph, llm_configs(workspace=actor.workspace)


def _test_voice_actions(session_actions: list[dict[str, Any]]) -> VoiceActions:
    """In a browser test the call-control tools act on the session: they are recorded and
    reported back; the engine ends the conversation on hang-up and transfer."""

    def recorder(kind: str) -> Any:
        async def handle(params: Any) -> str:
            session_actions.append({"action": kind, **dict(params)})
            return f"{kind} done (test session)"

        return handle

    return VoiceActions(
        hangup=recorder("hangup"), transfer=recorder("transfer"), hold=recorder("hold")
    )


async def open_test_session(
    *, actor: Actor, pipeline_id: int, version: str, session_id: str
) -> TestSession:
    """Raises ``ApiError`` (not found) or ``GraphInvalid`` (with every problem)."""
    graph, configs = await sync_to_async(_load)(actor, pipeline_id, version)
    # A big graph takes a while to validate and compile: not on the shared event loop.
    compiled = await sync_to_async(compile_graph, thread_sensitive=False)(graph)
    providers = provider_registry(llm_configs=configs)
    actions: list[dict[str, Any]] = []
    conversation = Conversation(
        compiled,
        channel=Channel(source_type="browser_test", caller_number="+10000000000"),
        providers=providers,
        voice=_test_voice_actions(actions),
    )
    return TestSession(
        session_id=session_id,
        pipeline_id=pipeline_id,
        conversation=conversation,
        providers=providers,
        workspace=actor.workspace,
        actions=actions,
    )
