"""Shared fixtures. Real data comes read-only from $GOODFIT_DATA (../shared/data by default)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from reliability.harness import TALLY

# Tests that share a session fixture, one Slurm, or timing-sensitive processes run on one xdist worker
# (make test runs `pytest -n auto --dist loadgroup`); every other test goes wherever a worker is free.
GROUPS = {"serve": "serve", "denoise": "denoise", "e2e/test_slurm.py": "slurm", "launch/test_ddp.py": "ddp"}
TESTS = Path(__file__).resolve().parent


def pytest_configure(config) -> None:
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:  # an xdist worker: share the cores, or torch's threads spin against the other worker's
        threads = str(max(1, (os.cpu_count() or 1) // int(workers)))
        os.environ["OMP_NUM_THREADS"] = threads  # also for the subprocesses the tests start
        import torch

        torch.set_num_threads(int(threads))


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        try:
            rel = item.path.resolve().relative_to(TESTS).as_posix()
        except ValueError:  # the doctests under src/
            continue
        group = GROUPS.get(rel) or GROUPS.get(rel.split("/")[0])
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


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


# The reliability tally, printed even when zero ("tracebacks: 0" is the point). Under xdist each worker
# counts its own tests and hands its counts to the controller, which prints the sum.
ALWAYS = ("cases tried", "one-line errors", "recovered", "tracebacks", "damaged folders", "config values tried",
          "config values refused", "kills", "resumes tried", "resumes identical", "search kills", "requests",
          "4xx", "5xx", "dropped", "valid p50 ms", "valid p95 ms")


def pytest_sessionfinish(session) -> None:
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["tally"] = dict(TALLY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    TALLY.update(getattr(node, "workeroutput", {}).get("tally", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY:
        terminalreporter.section("reliability")
        keys = [*ALWAYS, *(k for k in TALLY if k not in ALWAYS)]
        terminalreporter.write_line(", ".join(f"{key}: {TALLY.get(key, 0)}" for key in keys))
