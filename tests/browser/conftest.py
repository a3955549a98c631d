"""Browser tier: the built frontend served by a real daphne, driven by Debian's Chromium.

The browser tests themselves are the frontend's own (``frontend/e2e/*.test.mjs``, node's test
runner with playwright-core); this tier starts the server they need, on a fresh SQLite
database with an owner and a designer, and runs each file against it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
START_TIMEOUT_S = 60


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class BrowserServer:
    url: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing_prerequisite() -> str | None:
    if not (FRONTEND / "dist" / "index.html").exists():
        return "frontend/dist is not built (cd frontend && npm run build)"
    if not (FRONTEND / "node_modules" / "playwright-core").exists():
        return "frontend dependencies are not installed (cd frontend && npm ci)"
    if not CHROMIUM.exists():
        return f"Chromium is missing at {CHROMIUM} (apt-get install chromium)"
    if shutil.which("node") is None:
        return "node is missing"
    return None


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"betool did not answer at {url} within {START_TIMEOUT_S} s")


# Variables that would take the server off its embedded defaults.
EMBEDDED_ONLY = ("LIVEKIT_", "REDIS_URL", "CHANNELS_PREFIX")

# What the browser tests saw, for a person to look at (an ignored folder).
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

CREATE_USERS = """
import sys
from betool.models import Membership, User
from betool.roles import Role
from betool.services import workspace_create
password = sys.argv[1]
owner = User.objects.create_user("owner", "owner@example.com", password)
owner.is_staff = True
owner.save()
workspace = workspace_create(name="Browser tests", owner=owner)
designer = User.objects.create_user("designer", "designer@example.com", password)
Membership.objects.create(user=designer, workspace=workspace, role=Role.DESIGNER)
# The admin console's and the newcomer's tests sign in as each role.
for role in (Role.ADMIN, Role.FINANCE):
    user = User.objects.create_user(role.value, f"{role.value}@example.com", password)
    Membership.objects.create(user=user, workspace=workspace, role=role)
# Calls for the call monitor's tests (frontend/e2e/calls.test.mjs).
from tests.browser.seed_calls import seed_calls
seed_calls(workspace, owner)
# Metered usage over two weeks for the finance dashboard (frontend/e2e/finance.test.mjs).
from tests.browser.seed_usage import seed_usage
seed_usage(workspace)
"""

LEDGER_FIGURES = """
import django
django.setup()
from betool.models import Workspace
from tests.browser.seed_usage import ledger_figures
print(ledger_figures(Workspace.objects.get(name="Browser tests")))
"""


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserServer]:
    missing = _missing_prerequisite()
    if missing:
        pytest.fail(f"browser tier: {missing}", pytrace=False)
    workdir = tmp_path_factory.mktemp("browser")
    password = secrets.token_urlsafe(16)
    # The browser tier serves the embedded defaults (no LiveKit, in-memory layer), whatever
    # services the other tiers brought up: the pages must show what a plain install shows.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(EMBEDDED_ONLY)},
        "DATABASE_URL": f"sqlite:///{workdir / 'browser.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "betool.settings",
        # The fake providers and the newcomer's model server listen on loopback: the
        # operator's opt-in for a local server.
        "BETOOL_HTTP_ALLOW_PRIVATE_NETWORK": "1",
        # The seeded call's recording, and whatever the tests store, stay with this run.
        "BETOOL_RECORDINGS_DIR": str(workdir / "recordings"),
        "BETOOL_RECORDING_SPOOL_DIR": str(workdir / "recordings-spool"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{CREATE_USERS}", password],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ledger = subprocess.run(
        [sys.executable, "-c", LEDGER_FIGURES],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "daphne.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "betool.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # A keyless OpenAI-compatible server on loopback (a local llama.cpp, Ollama or vLLM),
    # for the voice models page's connection test.
    local_llm = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.catalog_servers", "--keyless"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    local_llm_url = (local_llm.stdout.readline() if local_llm.stdout else "").strip()
    try:
        _wait_until_up(url, process)
        if not local_llm_url:
            raise RuntimeError("the local OpenAI-compatible fake did not start")
        yield BrowserServer(
            url=url,
            env={
                **os.environ,
                "BETOOL_URL": url,
                "BETOOL_USERNAME": "owner",
                "BETOOL_PASSWORD": password,
                "BETOOL_DESIGNER_USERNAME": "designer",
                "BETOOL_DESIGNER_PASSWORD": password,
                "BETOOL_ADMIN_USERNAME": "admin",
                "BETOOL_FINANCE_USERNAME": "finance",
                "BETOOL_FINANCE_PASSWORD": password,
                "BETOOL_LOCAL_LLM_URL": f"{local_llm_url}/v1",
                "CHROMIUM_PATH": str(CHROMIUM),
                "BETOOL_LEDGER_USAGE": ledger,
                "BETOOL_SCREENSHOTS": str(SCREENSHOTS),
            },
        )
    finally:
        for child in (process, local_llm):
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        log.close()
