"""Creates the demo workspace, its owner, a demo pipeline and some usage; prints the sign-in.

Safe to run again: it reuses what exists and prints the same credentials.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from betool.models import LedgerKind, Membership, User, Workspace
from betool.roles import Role
from betool.services import ledger_credit, workspace_create

DEMO_WORKSPACE = "Demo workspace"
LOCAL_LLM_NAME = "Local server"
DEMO_USERS = [("owner", Role.OWNER), ("designer", Role.DESIGNER), ("admin", Role.ADMIN),
              ("finance", Role.FINANCE)]  # fmt: skip
CREDENTIALS_FILE = settings.VAR_DIR / "demo-credentials.json"


def _demo_password() -> str:
    """One password for the demo users, kept in var/ so that reruns print the same one."""
    if CREDENTIALS_FILE.exists():
        return str(json.loads(CREDENTIALS_FILE.read_text())["password"])
    password = secrets.token_urlsafe(12)
    CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
    CREDENTIALS_FILE.write_text(json.dumps({"password": password}))
    CREDENTIALS_FILE.chmod(0o600)
    return password


class Command(BaseCommand):
    help = "Create (or reuse) the demo workspace, users, pipeline and usage."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where betool is served."
        )
        parser.add_argument(
            "--llm-server",
            default="",
            help="Base URL of a keyless OpenAI-compatible server (llama.cpp, Ollama, vLLM), "
            "e.g. http://127.0.0.1:11434/v1: the demo's language model.",
        )
        parser.add_argument(
            "--llm-model", default="", help="The model id that server serves (with --llm-server)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = _demo_password()
        with transaction.atomic():
            workspace = self._workspace_and_users(password)
            pipeline = self._demo_pipeline(workspace)
            self._demo_usage(workspace, pipeline.pk)
            if options["llm_server"]:
                self._local_llm(workspace, options["llm_server"], options["llm_model"])
        self.stdout.write(self.style.SUCCESS(f"Demo workspace ready: {workspace.name}"))
        if options["llm_server"]:
            self.stdout.write(f"  language model: {LOCAL_LLM_NAME} at {options['llm_server']}")
        self.stdout.write(f"  demo pipeline: {pipeline.name}")
        self.stdout.write(f"  sign in at {options['base_url'].rstrip('/')}/login/ with:")
        for username, role in DEMO_USERS:
            self.stdout.write(f"    {role.value:<9} username {username:<9} password {password}")

    def _local_llm(self, workspace: Workspace, base_url: str, model: str) -> None:
        """The workspace's language model: the server on this machine or network, no key."""
        from voice_models.models import VoiceModel, VoiceModelKind, VoiceProvider

        VoiceModel.objects.update_or_create(
            workspace=workspace,
            name=LOCAL_LLM_NAME,
            defaults={
                "kind": VoiceModelKind.LLM,
                "provider": VoiceProvider.OPENAI_COMPATIBLE,
                "base_url": base_url.rstrip("/"),
                "model": model,
                "api_key": "",
                "enabled": True,
            },
        )

    def _workspace_and_users(self, password: str) -> Workspace:
        owner = User.objects.filter(username="owner").first()
        if owner is None:
            owner = User.objects.create_user("owner", "owner@example.com", password)
            owner.is_staff = True
            owner.save(update_fields=["is_staff"])
        workspace = Workspace.objects.filter(name=DEMO_WORKSPACE).first()
        if workspace is None:
            workspace = workspace_create(name=DEMO_WORKSPACE, owner=owner)
        for username, role in DEMO_USERS:
            user = User.objects.filter(username=username).first() or User.objects.create_user(
                username, f"{username}@example.com", password
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            Membership.objects.get_or_create(
                user=user, workspace=workspace, defaults={"role": role}
            )
        return workspace

    def _demo_pipeline(self, workspace: Workspace) -> Any:
        from pipelines.models import Pipeline
        from pipelines.services import pipeline_create, pipeline_publish

        owner = User.objects.get(username="owner")
        name = "Front desk (demo)"
        pipeline = Pipeline.objects.filter(workspace=workspace, name=name).first()
        if pipeline is None:
            pipeline = pipeline_create(
                workspace=workspace, user=owner, name=name, template="front_desk"
            )
            # Published before any language model exists, so a number can answer its keyword
            # paths; the editor marks its agents "needs a language model" until one is set up.
            pipeline_publish(
                pipeline=pipeline, user=owner, note="First version", check_models=False
            )
        return pipeline

    def _demo_usage(self, workspace: Workspace, pipeline_id: int) -> None:
        """A top-up and two weeks of small calls, priced by the real metering, so that the
        finance views have something true to show."""
        from voice_models.metering import usage_report_apply

        owner = User.objects.get(username="owner")
        now = timezone.now()
        if not workspace.ledger.filter(kind=LedgerKind.TOP_UP).exists():
            ledger_credit(
                workspace=workspace,
                credits=Decimal(100_000),
                kind=LedgerKind.TOP_UP,
                reason="Demo credits",
                user=owner,
                source="demo:top-up",
                occurred_at=now - timedelta(days=15),
            )
        for day in range(14):
            for n in range(1 + day % 3):
                seconds = 45 + 37 * ((day + n) % 5)
                started = now - timedelta(days=day, hours=n * 3)
                usage_report_apply(
                    workspace=workspace,
                    source=f"demo-call-{day}-{n}",
                    sequence=1,
                    usage={
                        "call_seconds": seconds,
                        "asr_seconds": seconds * 0.45,
                        "tts_characters": seconds * 9,
                        "llm_tokens": {
                            "gpt-4o-mini": {
                                "input_tokens": seconds * 40,
                                "output_tokens": seconds * 3,
                            }
                        },
                    },
                    priced_on=started.date(),
                    occurred_at=started,
                    asr_model="Deepgram nova-3",
                    tts_model="Local espeak",
                    pipeline_id=pipeline_id,
                    phone_number="+15550100",
                    is_test=n == 2,
                )
