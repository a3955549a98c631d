"""LiveKit: the server the voice worker and SIP use. Unset: no voice, browser chat only."""

from __future__ import annotations

from betool.settings.env import env_str

LIVEKIT_URL = env_str("LIVEKIT_URL")
LIVEKIT_API_KEY = env_str("LIVEKIT_API_KEY")
LIVEKIT_API_SECRET = env_str("LIVEKIT_API_SECRET")
LIVEKIT_AGENT_NAME = env_str("LIVEKIT_AGENT_NAME", "betool")
# Tags every SIP trunk and dispatch rule this installation writes to LiveKit: the
# reconciliation deletes only orphans with its own tag, so installations can share a server.
LIVEKIT_SIP_INSTALL = env_str("LIVEKIT_SIP_INSTALL", "betool")
LIVEKIT_ENABLED = bool(LIVEKIT_URL and LIVEKIT_API_KEY and LIVEKIT_API_SECRET)
