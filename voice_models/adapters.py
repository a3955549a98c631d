"""Provider adapters: a voice model configuration → a livekit-agents STT or TTS.

Configurations are read from the database once per call into :class:`ModelConfig` (plain
data, safe to use from the event loop). Cloud models are wrapped in livekit-agents'
``FallbackAdapter`` with a local model behind them, so a provider that fails mid-call
degrades to offline speech instead of silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from livekit.agents import stt as agents_stt
from livekit.agents import tts as agents_tts
from livekit.agents import vad as agents_vad

from betool.egress import llm_egress_transport
from voice_models.local.stt import PocketsphinxSTT, WhisperSTT
from voice_models.local.tts import EspeakTTS
from voice_models.provider_http import openai_speech_client, speech_http_session

if TYPE_CHECKING:
    from voice_models.models import VoiceModel

# How long a caller's pause must last to end their turn, whoever detects it: Silero's VAD in
# front of a batch recognizer, or a streaming provider's own endpointing.
END_OF_TURN_SILENCE_S = 0.45

# Streaming recognizers that find the end of speech themselves and say so (END_OF_SPEECH
# after the final transcript): their endpointing can end the turn without waiting for VAD.
_ENDPOINTING_PROVIDERS = frozenset({"deepgram"})


@dataclass(frozen=True)
class ModelConfig:
    name: str
    kind: str
    provider: str
    model: str = ""
    voice: str = ""
    language: str = "en"
    base_url: str = ""
    api_key: str = ""

    @classmethod
    def from_model(cls, model: VoiceModel) -> ModelConfig:
        return cls(
            name=model.name,
            kind=model.kind,
            provider=model.provider,
            model=model.model,
            voice=model.voice,
            language=model.language or "en",
            base_url=model.base_url,
            api_key=model.api_key or "",
        )

    @property
    def is_local(self) -> bool:
        return self.provider.startswith("local_")


def endpoints_turns(config: ModelConfig | None) -> bool:
    """Whether this recognizer's own endpointing ends the caller's turn ("stt" turn
    detection) rather than Silero's silence ("vad")."""
    return config is not None and config.provider in _ENDPOINTING_PROVIDERS


def _opt(**values: str) -> dict[str, Any]:
    """Only the options that are set: a plugin's own default beats an empty string."""
    return {name: value for name, value in values.items() if value}


def _api_root(base_url: str) -> str:
    """A provider's API root, as the connection test takes it (the vendor SDKs add /v1/...),
    also when someone pasted a whole endpoint."""
    root = base_url.rstrip("/")
    for suffix in ("/v1/listen", "/v1/speak", "/v1"):
        if root.endswith(suffix):
            return root.removesuffix(suffix)
    return root


def _deepgram_url(base_url: str, endpoint: str) -> str:
    # The livekit Deepgram plugins take the whole endpoint, not the API root.
    return f"{_api_root(base_url)}/v1/{endpoint}" if base_url else ""


def _elevenlabs_url(base_url: str) -> str:
    # The livekit ElevenLabs plugins take the versioned root.
    return f"{_api_root(base_url)}/v1" if base_url else ""


# A self-hosted OpenAI-compatible server may need no key; the SDK refuses an empty one.
KEYLESS = "not-needed"


class ProviderUnavailable(RuntimeError):
    pass


def local_stt(language: str = "en", *, prefer: str = "local_whisper") -> agents_stt.STT:
    """Whisper when its model can be assembled, else pocketsphinx."""
    if prefer == "local_pocketsphinx":
        return PocketsphinxSTT(language=language)
    try:
        recognizer = WhisperSTT(language=language)
        recognizer.load()
        return recognizer
    # A Whisper that cannot be assembled or loaded, for whatever reason, falls back to
    # pocketsphinx: the caller is still understood.
    except Exception:  # noqa: BLE001
        return PocketsphinxSTT(language=language)


def build_stt(
    config: ModelConfig | None, *, vad: agents_vad.VAD, language: str = "en"
) -> agents_stt.STT:
    """A streaming STT for the session (batch recognisers are segmented by ``vad``)."""
    if config is None or config.is_local:
        recognizer = local_stt(
            (config.language if config else "") or language,
            prefer=config.provider if config else "local_whisper",
        )
        return agents_stt.StreamAdapter(stt=recognizer, vad=vad)
    primary = _cloud_stt(config)
    return agents_stt.FallbackAdapter([primary, local_stt(config.language)], vad=vad)


def _cloud_stt(config: ModelConfig) -> agents_stt.STT:
    """Each plugin connects through a client under the egress policy (provider_http)."""
    provider = config.provider
    if provider == "deepgram":
        from livekit.plugins import deepgram

        return deepgram.STT(
            model=config.model or "nova-3",
            language=config.language or "en-US",
            api_key=config.api_key,
            # Its speech_final ends the turn (see endpoints_turns): the same pause as the VAD's.
            endpointing_ms=round(END_OF_TURN_SILENCE_S * 1000),
            http_session=speech_http_session(),
            **_opt(base_url=_deepgram_url(config.base_url, "listen")),
        )
    if provider in ("openai", "openai_compatible"):
        from livekit.plugins import openai

        return openai.STT(
            model=config.model or "gpt-4o-mini-transcribe",
            language=config.language or "en",
            client=openai_speech_client(
                api_key=config.api_key or KEYLESS, base_url=config.base_url
            ),
        )
    if provider == "elevenlabs":
        from livekit.plugins import elevenlabs

        return elevenlabs.STT(
            api_key=config.api_key,
            # Scribe takes the language alone ("en"), not the number's region ("en-US").
            language_code=(config.language or "en").split("-")[0].lower(),
            http_session=speech_http_session(),
            **_opt(base_url=_elevenlabs_url(config.base_url)),
            **_opt(model=config.model),
        )
    raise ProviderUnavailable(f"{provider} does not do speech recognition")


def build_tts(config: ModelConfig | None, *, sample_rate: int = 24000) -> agents_tts.TTS:
    if config is None or config.is_local:
        return EspeakTTS(voice=(config.voice if config else "") or "en-us", sample_rate=sample_rate)
    primary = _cloud_tts(config)
    return agents_tts.FallbackAdapter(
        [primary, EspeakTTS(sample_rate=sample_rate)], sample_rate=sample_rate
    )


def _cloud_tts(config: ModelConfig) -> agents_tts.TTS:
    """Each plugin connects through a client under the egress policy (provider_http)."""
    provider = config.provider
    if provider == "deepgram":
        from livekit.plugins import deepgram

        return deepgram.TTS(
            model=config.model or config.voice or "aura-2-andromeda-en",
            api_key=config.api_key,
            http_session=speech_http_session(),
            **_opt(base_url=_deepgram_url(config.base_url, "speak")),
        )
    if provider in ("openai", "openai_compatible"):
        from livekit.plugins import openai

        return openai.TTS(
            model=config.model or "gpt-4o-mini-tts",
            voice=config.voice or "alloy",
            client=openai_speech_client(
                api_key=config.api_key or KEYLESS, base_url=config.base_url
            ),
        )
    if provider == "elevenlabs":
        from livekit.plugins import elevenlabs

        return elevenlabs.TTS(
            api_key=config.api_key,
            http_session=speech_http_session(),
            **_opt(voice_id=config.voice),
            **_opt(model=config.model),
            **_opt(base_url=_elevenlabs_url(config.base_url)),
        )
    raise ProviderUnavailable(f"{provider} does not do speech synthesis")


def build_llm_client(config: ModelConfig) -> object:
    """The engine's ``LLMClient`` for an LLM configuration."""
    from voice_models.llm import AnthropicClient, OpenAIChatClient

    base_url = config.base_url or None
    # Every connection (redirects included) goes to an address the egress policy checked.
    transport = llm_egress_transport(allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK)
    if config.provider == "anthropic":
        return AnthropicClient(
            model=config.model,
            api_key=config.api_key,
            base_url=base_url,
            usage_name=config.name,
            transport=transport,
        )
    if config.provider in ("openai", "openai_compatible"):
        return OpenAIChatClient(
            model=config.model,
            api_key=config.api_key or KEYLESS,
            base_url=base_url,
            usage_name=config.name,
            transport=transport,
        )
    raise ProviderUnavailable(f"{config.provider} is not a language model provider")
