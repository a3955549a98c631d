"""The layering contract holds, and it fails when an upward dependency is added."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_layers", ROOT / "scripts/check_layers.py")
assert _spec
assert _spec.loader
check_layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_layers)

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, so the contracts are checked against its code.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for package in check_layers.LAYERS:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_project_keeps_its_layers() -> None:
    assert check_layers.violations() == []
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


def test_the_copy_used_below_is_checked_as_is(project_copy: Path) -> None:
    assert lint(project_copy).returncode == 0


def test_an_upward_import_breaks_the_contract(project_copy: Path) -> None:
    add_line(project_copy / "pipelines/selectors.py", "from telephony.models import Call")
    result = lint(project_copy)
    assert result.returncode == 1
    assert "pipelines is not allowed to import telephony" in result.stdout


def test_the_engine_importing_django_breaks_the_contract(project_copy: Path) -> None:
    add_line(project_copy / "pipelines/turn/runtime.py", "from pipelines.models import Pipeline")
    result = lint(project_copy)
    assert result.returncode == 1
    assert "pipelines.turn is not allowed to import pipelines.models" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("pipelines/nodes/say.py", "from pipelines.engine import compile_graph", "nodes"),
        ("pipelines/turn/runtime.py", "from pipelines.nodes.say import SayRuntime", "turn"),
        ("pipelines/turn/trace.py", "import pipelines.engine.compiler", "turn"),
    ],
)
def test_the_runtime_importing_back_up_breaks_the_contract(
    project_copy: Path, module: str, line: str, broken: str
) -> None:
    add_line(project_copy / module, line)
    result = lint(project_copy)
    assert result.returncode == 1
    assert "Runtime: engine -> nodes -> turn BROKEN" in result.stdout
    assert f"pipelines.{broken}" in result.stdout


def test_a_model_looked_up_by_name_from_below_is_found() -> None:
    source = (
        "from django.apps import apps\n"
        "call = apps.get_model('telephony', 'Call')\n"
        "pipeline = apps.get_model('pipelines.Pipeline')\n"
        "own = apps.get_model('voice_models', 'VoiceModel')\n"
    )
    found = list(check_layers.upward_model_lookups(source, package="voice_models"))
    assert found == [(2, "telephony"), (3, "pipelines")]
    assert list(check_layers.upward_model_lookups(source, package="telephony")) == []


def test_the_scan_reports_the_file_and_line(tmp_path: Path) -> None:
    for package in check_layers.LAYERS:
        (tmp_path / package).mkdir()
    (tmp_path / "betool/finance.py").write_text(
        "from django.apps import apps\n\nPipeline = apps.get_model('pipelines', 'Pipeline')\n"
    )
    assert check_layers.violations(tmp_path) == [
        "betool/finance.py:3: betool looks up a model of pipelines, above it"
    ]
