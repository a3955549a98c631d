"""``betool worker``: run the LiveKit voice worker (explicit dispatch as LIVEKIT_AGENT_NAME)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run the LiveKit voice worker: answers calls dispatched to LIVEKIT_AGENT_NAME."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dev", action="store_true", help="development mode (colored logs)")
        parser.add_argument("--log-level", default="INFO")
        parser.add_argument(
            "--idle-processes", type=int, default=0,
            help="job processes kept warm (default: BETOOL_WORKER_IDLE_PROCESSES, or sized "
            "from the calls the worker takes)",
        )  # fmt: skip
        parser.add_argument(
            "--executor", choices=["process", "thread"], default="process",
            help="run each call in its own process (default) or a thread",
        )  # fmt: skip
        parser.add_argument("--http-port", type=int, default=0, help="health check port")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.LIVEKIT_ENABLED:
            raise CommandError(
                "LiveKit is not configured: set LIVEKIT_URL, LIVEKIT_API_KEY and "
                "LIVEKIT_API_SECRET."
            )
        from telephony.worker.server import build_server, idle_processes, max_calls

        calls = max_calls()
        warm = options["idle_processes"] or idle_processes(calls=calls)
        server = build_server(
            agent_name=settings.LIVEKIT_AGENT_NAME,
            ws_url=settings.LIVEKIT_URL,
            api_key=settings.LIVEKIT_API_KEY,
            api_secret=settings.LIVEKIT_API_SECRET,
            idle_processes=warm,
            executor=options["executor"],
            http_port=options["http_port"],
        )
        self.stdout.write(
            f"betool worker: agent {settings.LIVEKIT_AGENT_NAME!r} on {settings.LIVEKIT_URL}, "
            f"{calls} calls at once, {warm} warm processes"
        )
        try:
            from livekit.agents.cli import cli as lk_cli
            from livekit.agents.cli.proto import CliArgs

            lk_cli._run_worker(
                server,
                CliArgs(log_level=options["log_level"].upper(), dev=options["dev"],
                        log_format="colored" if options["dev"] else "json"),
            )  # fmt: skip
        except ImportError:  # pragma: no cover - the private runner moved: plain asyncio
            asyncio.run(server.run(devmode=options["dev"]))
