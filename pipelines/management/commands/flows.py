"""``betool flows test PIPELINE [--version N] [--junit FILE] [--voice]``: run a pipeline's
test suite (``--voice``: spoken to the voice worker through LiveKit and heard back).

Exit codes: 0 every scenario passed, 1 some failed, 2 the suite could not run (no such
pipeline, a graph that does not compile, an unreadable suite). For CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from betool.errors import ApiError
from pipelines.flow_tests.junit import junit_xml
from pipelines.flow_tests.services import suite_run
from pipelines.models import Pipeline


def _pipeline(reference: str, workspace: str | None) -> Pipeline:
    queryset = Pipeline.objects.select_related("workspace")
    if workspace:
        queryset = queryset.filter(workspace__name=workspace)
    matches = list(
        queryset.filter(pk=int(reference))
        if reference.isdigit()
        else queryset.filter(name=reference)
    )
    if not matches:
        raise CommandError(f"No pipeline {reference!r}.", returncode=2)
    if len(matches) > 1:
        raise CommandError(
            f"{len(matches)} pipelines are named {reference!r}: give its id or --workspace.",
            returncode=2,
        )
    return matches[0]


class Command(BaseCommand):
    help = "Flow test suites: 'flows test PIPELINE' runs a pipeline's scenarios."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        test = actions.add_parser("test", help="Run a pipeline's test suite.")
        test.add_argument("pipeline", help="The pipeline's id or name.")
        test.add_argument("--version", type=int, default=None, help="A published version.")
        test.add_argument("--workspace", default=None, help="The workspace's name.")
        test.add_argument("--junit", type=Path, default=None, help="Write JUnit XML here.")
        test.add_argument(
            "--scenario", action="append", default=None, help="Only this scenario (repeatable)."
        )
        test.add_argument(
            "--voice",
            action="store_true",
            help="Speak the scenarios to the voice worker (needs LiveKit and 'betool worker').",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pipeline = _pipeline(options["pipeline"], options["workspace"])
        version = options["version"] if options["version"] is not None else "draft"
        try:
            run = suite_run(
                pipeline=pipeline,
                workspace=pipeline.workspace,
                user=None,
                version=version,
                scenario_ids=options["scenario"],
                mode="voice" if options["voice"] else "text",
            )
        except ApiError as error:
            raise CommandError(error.message, returncode=2) from error
        result = run.result
        label = "draft" if version == "draft" else f"version {version}"
        if options["voice"]:
            label += ", by voice"
        self.stdout.write(f"{pipeline.name} ({label}): {result['total']} scenarios")
        for scenario in result["scenarios"]:
            self._report(scenario)
        if options["junit"] is not None:
            options["junit"].write_text(
                junit_xml(suite_name=pipeline.name, result=result), encoding="utf-8"
            )
        passed = result["total"] - result["failed"]
        summary = f"{passed} passed, {result['failed']} failed in {result['ms'] / 1000:.2f}s"
        if not run.passed:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _report(self, scenario: dict[str, Any]) -> None:
        mark = self.style.SUCCESS("PASS") if scenario["passed"] else self.style.ERROR("FAIL")
        runs = (
            f" ({scenario['runs_passed']}/{scenario['runs']} runs)" if scenario["runs"] > 1 else ""
        )
        self.stdout.write(f"  {mark} {scenario['name']}{runs}")
        if scenario["error"]:
            self.stdout.write(f"       {scenario['error']}")
        for step in scenario["steps"]:
            if step.get("response_ms") is not None:
                self.stdout.write(
                    f"       step {step['index']}: heard {step.get('heard')!r}, "
                    f"first audio {step['response_ms']:.0f} ms after the caller stopped"
                )
            for failure in step["failures"]:
                self.stdout.write(
                    f"       step {step['index']} ({step['caller']}): expected "
                    f"{failure['expected']}; observed {failure['observed']}"
                )
        for failure in scenario["end_failures"]:
            self.stdout.write(
                f"       at the end: expected {failure['expected']}; observed {failure['observed']}"
            )
