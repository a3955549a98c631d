"""Voice models API: ASR, TTS and LLM configurations, usage counters, price book."""

from ninja import Router

router = Router(tags=["voice models"])
