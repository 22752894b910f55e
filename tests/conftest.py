"""Shared fixtures. Real data comes read-only from $GOODFIT_DATA (../shared/data by default)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Every test runs in its own folder, so ``runs/`` never lands in the repo."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def data_root() -> Path:
    return Path(os.environ.get("GOODFIT_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


CHROMIUM = os.environ.get("GOODFIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run: {reason} (make test installs it; CI must run this test)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium driven by Playwright (``GOODFIT_CHROMIUM`` points at another binary)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
