"""The engine's providers for a session, from the workspace's configured language models.

One builder for the voice worker and the browser test session, so both run a graph with
the same models.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from pipelines.turn.providers import ProviderRegistry
from voice_models.adapters import ModelConfig, build_llm_client

logger = logging.getLogger(__name__)


def provider_registry(
    *, llm_configs: Sequence[ModelConfig], default_llm: str | None = None
) -> ProviderRegistry:
    """Clients by configuration name and by model id; a broken configuration is skipped
    (its nodes then fall back to the default model, or to the fallback line)."""
    llms: dict[str, Any] = {}
    for config in llm_configs:
        try:
            client = build_llm_client(config)
        except Exception:
            logger.warning("language model %s cannot be used", config.name, exc_info=True)
            continue
        llms[config.name] = client
        if config.model:
            llms.setdefault(config.model, client)
    default = default_llm or (llm_configs[0].name if llm_configs else None)
    return ProviderRegistry(
        llms=llms,
        default_model=default,
        allow_private_network=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK,
        owns_llms=True,  # built for this call or session alone
    )
