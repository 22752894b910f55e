"""Shared fixtures. Real data comes read-only from $GOODFIT_DATA (../shared/data by default)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Every test runs in its own folder, so ``runs/`` never lands in the repo."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def data_root() -> Path:
    return Path(os.environ.get("GOODFIT_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
