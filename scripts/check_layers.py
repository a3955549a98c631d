"""The apps' layering, checked: core <- voice_models <- pipelines <- telephony <- campaigns.

import-linter (the contracts in pyproject.toml) sees imports. It cannot see a model
loaded by name, ``apps.get_model("telephony", "Call")``, which is how an upward
dependency hides from it; this script finds those and fails on them, then runs
import-linter. Exit status 0 when both hold.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from importlinter.cli import lint_imports

LAYERS = ["betool", "voice_models", "pipelines", "telephony", "campaigns"]  # lowest first
ROOT = Path(__file__).resolve().parent.parent


def upward_model_lookups(source: str, *, package: str) -> Iterator[tuple[int, str]]:
    """``(line, app)`` for each ``get_model("app", …)`` in ``source`` naming an app above
    ``package`` (a layer may look up its own models or those below it)."""
    rank = LAYERS.index(package)
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if name != "get_model" or not isinstance(first, ast.Constant):
            continue
        app = str(first.value).split(".")[0]  # "telephony" or "telephony.Call"
        if app in LAYERS and LAYERS.index(app) > rank:
            yield node.lineno, app


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # migrations name models of other apps by design
            for line, app in upward_model_lookups(path.read_text(), package=package):
                where = path.relative_to(root)
                found.append(f"{where}:{line}: {package} looks up a model of {app}, above it")
    return found


def main() -> int:
    found = violations()
    for line in found:
        print(line)
    linted = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    return 1 if found or linted else 0


if __name__ == "__main__":
    sys.exit(main())
