"""The one way a session opens its conversation: a phone call in the voice worker, a chat or
a flow-test scenario in the browser. Both get the same language-model defaults and the same
fallback line (the document's, else the one default wording of ``pipelines.graph``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipelines.engine import Channel, CompiledGraph, Conversation, VoiceActions
from pipelines.providers import provider_registry
from pipelines.turn.providers import ProviderRegistry
from voice_models.adapters import ModelConfig


def conversation_open(
    *,
    compiled: CompiledGraph,
    channel: Channel,
    voice: VoiceActions,
    llm_configs: Sequence[ModelConfig],
    default_llm: str | None,
    variables: Mapping[str, Any] | None = None,
    providers: ProviderRegistry | None = None,
) -> Conversation:
    """A conversation on the workspace's language models.

    ``default_llm`` is the model for nodes that name none: a phone number's own model, or
    None for the workspace default (a number without one, a browser test). ``providers``
    stands in for the workspace's models (a flow test's canned answers)."""
    registry = providers or provider_registry(llm_configs=llm_configs, default_llm=default_llm)
    return Conversation(
        compiled, channel=channel, providers=registry, voice=voice, variables=variables
    )
