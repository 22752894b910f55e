"""Fixtures of the reliability suite: a finished run to damage, workspaces, and the final tally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reliability.harness import run_inprocess


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

