"""The demo with a local OpenAI-compatible server: its agents resolve and answer through it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from betool.models import Workspace
from pipelines import selectors
from pipelines.models import Pipeline
from voice_models.models import VoiceModel

pytestmark = pytest.mark.django_db


def _demo_problems() -> list[str]:
    pipeline = Pipeline.objects.get(name="Front desk (demo)")
    problems = selectors.graph_problems(workspace=pipeline.workspace, graph=pipeline.draft)
    return [p.code for p in problems if p.severity == "error"]


def test_without_a_server_the_demo_marks_its_agents_and_is_still_published() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    pipeline = Pipeline.objects.get(name="Front desk (demo)")
    assert pipeline.versions.count() == 1
    assert set(_demo_problems()) == {"needs_language_model"}


def test_with_a_server_the_demo_agents_have_their_model() -> None:
    call_command(
        "seed_demo",
        llm_server="http://127.0.0.1:11434/v1/",
        llm_model="qwen2.5:3b",
        stdout=io.StringIO(),
    )
    workspace = Workspace.objects.get()
    model = VoiceModel.objects.get(workspace=workspace, kind="llm")
    assert (model.provider, model.base_url, model.model, model.api_key) == (
        "openai_compatible",
        "http://127.0.0.1:11434/v1",
        "qwen2.5:3b",
        "",
    )
    assert _demo_problems() == []
