"""What the engine borrows from the session: LLM clients by model name and one HTTP client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import httpx

from betool.egress import EgressPolicy, EgressTransport
from voice_models.llm.types import LLMClient, LLMError

logger = logging.getLogger(__name__)


class ProviderRegistry:
    """Model name -> ``LLMClient``, plus the shared ``httpx.AsyncClient`` for HTTP nodes.

    A node whose model is not configured falls back to ``default_model`` when one is given:
    a designer's choice of model should not silence a call because an admin renamed it.
    """

    def __init__(
        self,
        *,
        llms: Mapping[str, LLMClient] | None = None,
        default_model: str | None = None,
        http: httpx.AsyncClient | None = None,
        allow_private_network: bool = False,
        owns_llms: bool = False,
    ) -> None:
        self._llms = dict(llms or {})
        # Clients built for one call or session are closed with it; shared ones are not.
        self._owns_llms = owns_llms
        self._default_model = default_model
        self._http = http
        self._owns_http = http is None
        # HTTP nodes and tools may call loopback and private addresses only when the operator
        # allows it (a designer's graph must not probe the server's own network).
        self.allow_private_network = allow_private_network

    def llm(self, model: str) -> LLMClient:
        client = self._llms.get(model)
        if client is None and self._default_model is not None:
            client = self._llms.get(self._default_model)
        if client is None:
            raise LLMError(f"No language model named {model!r} is configured.", kind="bad_request")
        return client

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            # Every connection, redirects included, goes to an address the policy checked.
            policy = EgressPolicy(allow_private=self.allow_private_network)
            self._http = httpx.AsyncClient(
                transport=EgressTransport(policy=policy), follow_redirects=True, max_redirects=5
            )
        return self._http

    def _unique_llms(self) -> list[LLMClient]:
        """Each client once (one is listed under its name and under its model id)."""
        return list({id(client): client for client in self._llms.values()}.values())

    async def warm(self) -> None:
        """Opens each language model's connection ahead of the first turn (while a call's
        greeting plays); a client that cannot is left to its first request."""
        warms = [getattr(client, "warm", None) for client in self._unique_llms()]
        outcomes = await asyncio.gather(
            *(warm() for warm in warms if warm is not None), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                logger.warning("a language model could not be warmed", exc_info=outcome)

    async def aclose(self) -> None:
        """Closes the clients this registry owns: the HTTP client it created, and the
        language-model clients when it was given them to own (each once)."""
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._owns_llms:
            clients = self._unique_llms()
            self._llms.clear()
            for client in clients:
                close = getattr(client, "aclose", None)
                if close is not None:
                    await close()
