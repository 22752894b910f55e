"""Fixtures of the reliability suite: a finished run to damage, workspaces, and the final tally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reliability.harness import TALLY, run_inprocess


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory) -> Path:
    """A small finished run (digits, 2 epochs) that cases read but must never change."""
    out = tmp_path_factory.mktemp("finished")
    outcome = run_inprocess(["train", "data.name=digits", "train.epochs=2", "model.hidden=16",
                             f"--run-dir={out / 'run'}"])
    assert outcome.code in (0, None), outcome.stderr + (outcome.traceback or "")
    return out / "run"


@pytest.fixture
def damaged_copy(finished_run, tmp_path):
    def make(damage_fn) -> Path:
        copy = tmp_path / "run"
        shutil.copytree(finished_run, copy, symlinks=True)
        damage_fn(copy)
        return copy
    return make


# printed even when zero: "tracebacks: 0" is the point
ALWAYS = ("cases tried", "one-line errors", "recovered", "tracebacks", "damaged folders", "config values tried",
          "config values refused", "kills", "resumes tried", "resumes identical", "search kills", "requests",
          "4xx", "5xx", "dropped", "valid p50 ms", "valid p95 ms")


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY:
        terminalreporter.section("reliability")
        keys = [*ALWAYS, *(k for k in TALLY if k not in ALWAYS)]
        terminalreporter.write_line(", ".join(f"{key}: {TALLY.get(key, 0)}" for key in keys))
