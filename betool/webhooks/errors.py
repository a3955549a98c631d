from __future__ import annotations

from enum import StrEnum


class WebhookErrorCode(StrEnum):
    URL_NOT_ALLOWED = "webhook_url_not_allowed"
    UNKNOWN_EVENT = "unknown_event"
    ENDPOINT_DISABLED = "endpoint_disabled"
