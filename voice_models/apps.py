from django.apps import AppConfig


class VoiceModelsConfig(AppConfig):
    name = "voice_models"
