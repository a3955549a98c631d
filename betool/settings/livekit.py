"""LiveKit: the server the voice worker and SIP use. Unset: no voice, browser chat only."""

from __future__ import annotations

from betool.settings.env import env_str

LIVEKIT_URL = env_str("LIVEKIT_URL")
LIVEKIT_API_KEY = env_str("LIVEKIT_API_KEY")
LIVEKIT_API_SECRET = env_str("LIVEKIT_API_SECRET")
LIVEKIT_AGENT_NAME = env_str("LIVEKIT_AGENT_NAME", "betool")
LIVEKIT_ENABLED = bool(LIVEKIT_URL and LIVEKIT_API_KEY and LIVEKIT_API_SECRET)
