"""Agent: an LLM with a mission, streaming its answer sentence by sentence, using tools."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Literal

from pydantic import Field, field_validator

from pipelines.barge_in import NodeBargeInMode, NodeBargeInSensitivity
from pipelines.nodes.agent_tools import (
    RESERVED_TOOL_NAMES,
    CompiledTool,
    Extraction,
    HttpTool,
    ToolOutcome,
    extraction_tool,
    http_tool,
    voice_tools,
)
from pipelines.nodes.base import (
    BuildContext,
    ModelRef,
    NodeConfig,
    NodeType,
    TemplateRef,
    static_outputs,
)
from pipelines.nodes.fields import (
    TransferDestination,
    barge_in_mode_field,
    barge_in_sensitivity_field,
    duplicates,
    model_field,
    template_field,
)
from pipelines.nodes.llm_support import conversation_messages, stream_within_deadline
from pipelines.templating import compile_template
from pipelines.turn.chunker import SentenceChunker
from pipelines.turn.events import Event, TextEvent, ToolEvent
from pipelines.turn.runtime import NodeRuntime, TurnState
from pipelines.turn.trace import ToolRecord
from voice_models.llm.types import ChatMessage, LLMError, ToolCall


class AgentConfig(NodeConfig):
    mission: str = template_field(
        ...,
        title="Mission",
        description="Who the agent is and what it must do. Keep it short: callers wait.",
        min_length=1,
    )
    model: str = model_field(description="The language model that answers the caller.")
    temperature: float = Field(0.3, title="Temperature", ge=0, le=2)
    tools: list[HttpTool] = Field(default_factory=list, title="Tools")
    max_tool_rounds: int = Field(3, title="Max tool rounds per turn", ge=0, le=10)
    extract: list[Extraction] = Field(
        default_factory=list,
        title="Capture into variables",
        description="Details the agent should save as variables when the caller gives them.",
    )
    transfer_destination: TransferDestination = Field(
        "",
        title="Transfer to",
        description="For the transfer tool: a number such as +15551234567 or a SIP address.",
    )
    transfer_mode: Literal["cold", "warm"] = Field(
        "cold",
        title="Transfer kind",
        description="Warm: the caller holds while the person is called and briefed first.",
    )
    interruptible: bool = Field(True, title="Caller can interrupt")
    barge_in: NodeBargeInMode = barge_in_mode_field()
    barge_in_sensitivity: NodeBargeInSensitivity = barge_in_sensitivity_field()

    @field_validator("tools")
    @classmethod
    def _tool_names(cls, tools: list[HttpTool]) -> list[HttpTool]:
        names = [tool.name for tool in tools]
        clash = next((name for name in names if name in RESERVED_TOOL_NAMES), None)
        if clash:
            raise ValueError(f"'{clash}' is a built-in tool name; choose another")
        repeated = duplicates(names)
        if repeated:
            raise ValueError(f"two tools are named '{repeated[0]}'")
        return tools


class AgentRuntime(NodeRuntime):
    __slots__ = (
        "_interruptible",
        "_max_rounds",
        "_mission",
        "_model",
        "_specs",
        "_temperature",
        "_tools",
    )
    is_async = True

    def __init__(self, node_id: str, config: AgentConfig, *, phone_upstream: bool) -> None:
        super().__init__(node_id)
        self._mission = compile_template(config.mission)
        self._model = config.model
        self._temperature = config.temperature
        self._max_rounds = config.max_tool_rounds
        self._interruptible = config.interruptible
        tools: list[CompiledTool] = [http_tool(tool) for tool in config.tools]
        if config.extract:
            tools.append(extraction_tool(config.extract))
        if phone_upstream:
            tools.extend(
                voice_tools(
                    node_id=node_id,
                    transfer_destination=config.transfer_destination,
                    transfer_mode=config.transfer_mode,
                )
            )
        self._tools = {tool.spec.name: tool for tool in tools}
        self._specs = tuple(tool.spec for tool in tools)

    async def stream(self, turn: TurnState) -> AsyncIterator[Event]:
        messages = conversation_messages(turn.session, system=await turn.render(self._mission))
        turn.step.input = turn.session.exchange["user_message"]
        chunker = SentenceChunker()
        said: list[str] = []
        leaving = False
        for round_index in range(self._max_rounds + 1):
            # The last round offers no tools, so the model has to answer in words.
            offered = self._specs if round_index < self._max_rounds else ()
            calls: list[ToolCall] = []
            text: list[str] = []
            async for delta in stream_within_deadline(
                turn,
                model=self._model,
                messages=messages,
                tools=offered,
                temperature=self._temperature,
            ):
                if delta.text:
                    text.append(delta.text)
                    for sentence in chunker.feed(delta.text):
                        yield self._say(turn, said, sentence)
                if delta.tool_call is not None:
                    calls.append(delta.tool_call)
            if not calls:
                break
            # Say what came before the tool calls now ("Let me check"), while the tools run,
            # and so that the next round's text does not run on from an unfinished sentence.
            pending_text = chunker.flush()
            if pending_text:
                yield self._say(turn, said, pending_text)
            messages.append(ChatMessage("assistant", "".join(text), tool_calls=tuple(calls)))
            outcomes: list[ToolOutcome] = []
            async for event in self._run_tools(turn, calls, messages, outcomes):
                yield event
            leaving = any(outcome.ends_agent for outcome in outcomes)
            if leaving:
                break
        rest = chunker.flush()
        if rest:
            yield self._say(turn, said, rest)
        if not said and not leaving:
            # An empty answer (or a server that ignored "stream" and sent nothing we could
            # read) would leave the caller in silence: fail the node, so the caller hears
            # the fallback line and the trace says why.
            raise LLMError("The language model's answer had no text.", kind="protocol")
        turn.step.output = " ".join(said)
        turn.branch = "out"

    def _say(self, turn: TurnState, said: list[str], text: str) -> TextEvent:
        said.append(text)
        turn.spoken.append(text)
        return TextEvent(text, self.node_id, self._interruptible)

    async def _run_tools(
        self,
        turn: TurnState,
        calls: list[ToolCall],
        messages: list[ChatMessage],
        outcomes: list[ToolOutcome],
    ) -> AsyncIterator[Event]:
        """The round's tool calls in order: each one's events, then the call itself; their
        results go to the model's next round, their outcomes to ``outcomes``."""
        for call in calls:
            outcome = await self._call_tool(turn, call)
            outcomes.append(outcome)
            for event in outcome.events:
                yield event
            yield ToolEvent(self.node_id, call.name, call.arguments, outcome.result)
            messages.append(ChatMessage("tool", outcome.result, tool_call_id=call.id))

    async def _call_tool(self, turn: TurnState, call: ToolCall) -> ToolOutcome:
        tool = self._tools.get(call.name)
        outcome = (
            ToolOutcome(f"There is no tool named {call.name}.")
            if tool is None
            else await tool.handler(turn, call)
        )
        turn.step.record_tool(ToolRecord(call.name, dict(call.arguments), outcome.result))
        return outcome


def _build(context: BuildContext[AgentConfig]) -> NodeRuntime:
    return AgentRuntime(context.node_id, context.config, phone_upstream=context.phone_upstream)


def _templates(config: AgentConfig) -> Iterable[TemplateRef]:
    yield TemplateRef("mission", config.mission)
    for index, tool in enumerate(config.tools):
        yield TemplateRef(f"tools.{index}.url", tool.url, extra_roots=frozenset({"args"}))


def _models(config: AgentConfig) -> Iterable[ModelRef]:
    return (ModelRef("model", config.model),)


def _sets(config: AgentConfig) -> Iterable[str]:
    return (extraction.variable for extraction in config.extract)


AGENT = NodeType(
    key="agent",
    label="Agent",
    description="A language model that talks with the caller, following its mission.",
    category="ai",
    icon="bot",
    config_model=AgentConfig,
    outputs=static_outputs("out"),
    output_hint=("out",),
    build=_build,
    templates=_templates,
    sets_variables=_sets,
    models=_models,
)
