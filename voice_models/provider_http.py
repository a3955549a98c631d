"""The speech plugins' connections under betool's egress policy (``betool/egress.py``).

The livekit plugins open their own clients: Deepgram and ElevenLabs an aiohttp session
(HTTP and websockets), OpenAI's an ``openai.AsyncClient``. Left to themselves they would
connect wherever an admin's base URL resolves at that moment. Each gets a client here whose
connections go only to the addresses the policy checked, with the same opt-in for loopback
and private networks (``BETOOL_HTTP_ALLOW_PRIVATE_NETWORK``) as HTTP request nodes.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from django.conf import settings

from betool.egress import EgressPolicy, egress_aiohttp_session, llm_egress_transport

# One session per event loop (a worker job's loop), as livekit's own shared session is:
# connections are kept alive across the call's requests.
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def provider_policy() -> EgressPolicy:
    return EgressPolicy(allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK)


def speech_http_session() -> Any:
    """The running loop's aiohttp session under the policy (made on first use)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = egress_aiohttp_session(policy=provider_policy())
        _sessions[loop] = session
    return session


def openai_speech_client(*, api_key: str, base_url: str) -> Any:
    """An OpenAI client for the speech plugins whose connections (redirects included) go
    to checked addresses; the plugin's own timeouts and pool sizes."""
    import httpx2
    import openai

    http_client = httpx2.AsyncClient(
        transport=llm_egress_transport(allow_private=provider_policy().allow_private),
        timeout=httpx2.Timeout(connect=15.0, read=5.0, write=5.0, pool=5.0),
        follow_redirects=True,
    )
    return openai.AsyncClient(
        max_retries=0, api_key=api_key, base_url=base_url or None, http_client=http_client
    )


async def speech_http_session_close() -> None:
    """Closes the running loop's session, at the end of the call that used it."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()
