"""Each browser test file of the frontend, run against the live server of this tier."""

from __future__ import annotations

import subprocess

import pytest

from tests.browser.conftest import FRONTEND, BrowserServer

E2E_FILES = sorted(p.name for p in (FRONTEND / "e2e").glob("*.test.mjs"))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("test_file", E2E_FILES)
def test_frontend_browser_file(browser_server: BrowserServer, test_file: str) -> None:
    result = subprocess.run(
        ["node", "--test", "--test-concurrency=1", f"e2e/{test_file}"],
        cwd=FRONTEND,
        env=browser_server.env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    output = f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == 0, f"{test_file} failed:\n{output}"
    assert "# fail 0" in result.stdout, output
    assert "# pass 0" not in result.stdout, f"{test_file} ran no test:\n{output}"
