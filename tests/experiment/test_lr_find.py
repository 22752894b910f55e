"""optim.lr=find in a real run, and ``goodfit lr-find``."""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import run_cli

from goodfit import Config, apply_overrides, fit

BASE = ["data.name=digits", "model.hidden=32", "train.epochs=3", "train.deterministic=true"]


def test_lr_find_run_equals_a_run_with_the_suggested_lr(tmp_path):
    found = fit(apply_overrides(Config(), [*BASE, "optim.lr=find", f"out_dir={tmp_path / 'a'}"]),
                progress="quiet")
    saved = yaml.safe_load((found.run_dir / "config.yaml").read_text())
    lr = saved["optim"]["lr"]
    assert isinstance(lr, float) and saved["meta"]["lr_find"]["rule"] == "steepest"
    curve = json.loads((found.run_dir / "lr_find.json").read_text())
    assert curve["suggestion"] == pytest.approx(lr, rel=1e-2) and len(curve["lrs"]) == len(curve["losses"])
    assert (found.run_dir / "plots" / "lr_find.png").is_file() and "Learning-rate finder" in (
        found.run_dir / "report.html").read_text()
    fixed = fit(apply_overrides(Config(), [*BASE, f"optim.lr={lr}", f"out_dir={tmp_path / 'b'}"]), progress="quiet")
    assert [r["train_loss"] for r in found.history] == [r["train_loss"] for r in fixed.history]


def test_lr_find_cli_and_check_accept_find(tmp_path):
    proc = run_cli("lr-find", "data.name=digits", "model.hidden=16", "--steps", "60", "--out-dir", tmp_path)
    assert "suggested optim.lr=" in proc.stdout and "steepest rule" in proc.stdout
    folder = next(tmp_path.glob("lr-find-*"))
    assert (folder / "lr_find.json").is_file() and (folder / "plots" / "lr_find.png").is_file()
    assert run_cli("check", "data.name=digits", "optim.lr=find").returncode == 0
