from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "betool.webhooks"
    label = "webhooks"
    verbose_name = "outgoing webhooks"
