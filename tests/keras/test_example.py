"""examples/keras_mlp.py, the course's Keras MLP with GoodfitCallback, run as a student runs it: the same
kind of run folder and report as the PyTorch MLP trained by goodfit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import goodfit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "keras_mlp.py"


def _files(run: Path) -> set[str]:
    return {str(p.relative_to(run)) for p in run.rglob("*") if p.is_file() and "checkpoints" not in p.parts
            and not p.name.startswith(".")}


def test_the_keras_example_writes_a_run_folder_like_goodfit_trains(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}  # the script chooses its backend itself
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", "2", "--out-dir", str(tmp_path / "keras")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (keras_run,) = (tmp_path / "keras").iterdir()
    assert "goodfit: run folder" in proc.stderr and "report.html" in proc.stderr
    metrics = json.loads((keras_run / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["test"]["accuracy"] > 0.8
    assert (metrics["n_train"], metrics["n_valid"], metrics["n_test"]) == (3600, 400, 1000)
    findings = json.loads((keras_run / "findings.json").read_text())
    assert not [f for f in findings if f["stage"] == "lint"], findings  # the course's set-up is clean

    cfg = goodfit.apply_overrides(goodfit.Config(), ["train.epochs=1", f"out_dir={tmp_path / 'torch'}"])
    torch_run = goodfit.fit(cfg, progress="quiet").run_dir
    assert _files(keras_run) == _files(torch_run)  # history, metrics, findings, predictions, plots, report
    assert (keras_run / "checkpoints" / "model.keras").is_file()
