"""Prints the JSON Schema of webhook bodies (what docs/webhooks.schema.json holds)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from betool.webhooks.events import payload_json_schema


class Command(BaseCommand):
    help = "Print the JSON Schema of every webhook delivery's body."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(payload_json_schema(), indent=2))
