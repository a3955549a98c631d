"""Voice model configurations: which provider and model does ASR, TTS or LLM, with its key."""

from __future__ import annotations

from django.db import models

from betool.crypto import EncryptedTextField
from betool.models import Workspace


class VoiceModelKind(models.TextChoices):
    ASR = "asr", "Speech recognition"
    TTS = "tts", "Speech synthesis"
    LLM = "llm", "Language model"


class VoiceProvider(models.TextChoices):
    DEEPGRAM = "deepgram", "Deepgram"
    OPENAI = "openai", "OpenAI"
    ELEVENLABS = "elevenlabs", "ElevenLabs"
    ANTHROPIC = "anthropic", "Anthropic"
    OPENAI_COMPATIBLE = "openai_compatible", "OpenAI-compatible server"
    LOCAL_WHISPER = "local_whisper", "Local Whisper (offline)"
    LOCAL_POCKETSPHINX = "local_pocketsphinx", "Local pocketsphinx (offline)"
    LOCAL_ESPEAK = "local_espeak", "Local espeak-ng (offline)"


# Which providers can serve which kind of model.
PROVIDER_KINDS: dict[str, frozenset[str]] = {
    VoiceProvider.DEEPGRAM: frozenset({VoiceModelKind.ASR, VoiceModelKind.TTS}),
    VoiceProvider.OPENAI: frozenset({VoiceModelKind.ASR, VoiceModelKind.TTS, VoiceModelKind.LLM}),
    VoiceProvider.ELEVENLABS: frozenset({VoiceModelKind.ASR, VoiceModelKind.TTS}),
    VoiceProvider.ANTHROPIC: frozenset({VoiceModelKind.LLM}),
    VoiceProvider.OPENAI_COMPATIBLE: frozenset(
        {VoiceModelKind.ASR, VoiceModelKind.TTS, VoiceModelKind.LLM}
    ),
    VoiceProvider.LOCAL_WHISPER: frozenset({VoiceModelKind.ASR}),
    VoiceProvider.LOCAL_POCKETSPHINX: frozenset({VoiceModelKind.ASR}),
    VoiceProvider.LOCAL_ESPEAK: frozenset({VoiceModelKind.TTS}),
}


class VoiceModel(models.Model):
    """One configured model of a provider, e.g. "Deepgram nova-3 (en)" or "Local espeak"."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="voice_models")
    name = models.CharField(max_length=120, help_text="How pipelines and numbers refer to it.")
    kind = models.CharField(max_length=8, choices=VoiceModelKind.choices)
    provider = models.CharField(max_length=24, choices=VoiceProvider.choices)
    model = models.CharField(max_length=120, blank=True, help_text="e.g. nova-3, gpt-4o-mini")
    voice = models.CharField(max_length=120, blank=True, help_text="TTS voice name or id")
    language = models.CharField(max_length=16, blank=True, default="en")
    base_url = models.CharField(
        max_length=300, blank=True, help_text="API base URL, e.g. http://127.0.0.1:8000/v1"
    )
    api_key = EncryptedTextField(blank=True, default="")
    enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(
        default=False, help_text="The workspace's default language model (one at most)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="voice_model_unique_name"),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=models.Q(is_default=True),
                name="one_default_llm_per_workspace",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}: {self.provider})"

    @property
    def is_local(self) -> bool:
        return self.provider.startswith("local_")

    @staticmethod
    def kind_label(kind: str) -> str:
        return VoiceModelKind(kind).label.lower()


from voice_models.pricing import PriceBookEntry  # noqa: E402  (declared beside its rules)

__all__ = ["PriceBookEntry", "VoiceModel", "VoiceModelKind", "VoiceProvider"]
