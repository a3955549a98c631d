from django.apps import AppConfig


class BetoolConfig(AppConfig):
    name = "betool"
    verbose_name = "betool core"
