"""``goodfit watch`` on three scripts written in the course's style, as a user runs them: one with
three seeded bugs, one clean (no finding, and the same results as without watch), one that crashes on
its own (its traceback shown as it is). Plus the notebook context manager and the module entry."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import run_cli
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import goodfit

SCRIPTS = Path(__file__).resolve().parent / "scripts"
pytestmark = pytest.mark.e2e


def _findings(stderr: str) -> list[dict]:
    """The findings.json the last line of ``goodfit watch`` names."""
    return json.loads(Path(stderr.rsplit("findings: ", 1)[1].strip()).read_text())


def test_the_three_seeded_bugs_are_named(tmp_path):
    proc = run_cli("watch", "--out-dir", tmp_path, SCRIPTS / "course_buggy.py", "2")
    assert proc.stdout.count("validation accuracy") == 2  # the script ran, with its own argument
    found = {f["id"] for f in _findings(proc.stderr)}
    assert {"softmax-before-ce", "unshuffled-train-loader", "test-as-valid"} <= found
    assert found <= {"softmax-before-ce", "unshuffled-train-loader", "test-as-valid", "sorted-labels"}
    assert "goodfit watch: error: softmax-before-ce [model]" in proc.stderr  # printed as found


def test_the_clean_script_has_no_finding_and_the_same_results(tmp_path):
    proc = run_cli("watch", "--out-dir", tmp_path, SCRIPTS / "course_clean.py", "2")
    assert _findings(proc.stderr) == []
    plain = subprocess.run([sys.executable, str(SCRIPTS / "course_clean.py"), "2"], capture_output=True, text=True,
                           check=True)
    assert proc.stdout == plain.stdout  # every loss, accuracy and the weights' sum, to the last digit


def test_a_script_that_crashes_shows_its_own_traceback(tmp_path):
    proc = run_cli("watch", "--out-dir", tmp_path, SCRIPTS / "course_crash.py", check=False)
    assert proc.returncode == 1
    traceback = proc.stderr.split("Traceback (most recent call last):\n", 1)[1]
    assert traceback.startswith(f'  File "{SCRIPTS / "course_crash.py"}", line 23, in <module>')
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied" in traceback
    assert "goodfit/watch" not in traceback and "runpy" not in traceback
    assert _findings(proc.stderr) == []  # nothing got far enough to judge; the findings file is there


def test_python_dash_m_and_a_missing_script(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "goodfit.watch", str(SCRIPTS / "course_buggy.py"), "1"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and "unshuffled-train-loader" in proc.stderr
    missing = run_cli("watch", tmp_path / "nope.py", check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("error: script") and "Traceback" not in missing.stderr


def test_the_context_manager_in_a_notebook():
    torch.manual_seed(0)
    x, y = torch.randn(128, 6), torch.arange(128) % 3
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.5)  # L2 far too strong
    with goodfit.watch(echo=None) as watcher:
        for _ in range(2):
            for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
                loss = nn.functional.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
    assert {f.id for f in watcher.findings} == {"extreme-weight-decay"}
    assert nn.functional.cross_entropy.__name__ == "cross_entropy" and not hasattr(nn.functional.cross_entropy,
                                                                                      "__wrapped__")


def test_a_model_left_in_eval_mode_and_a_nan_loss_are_seen():
    torch.manual_seed(0)
    x, y = torch.randn(64, 6), torch.arange(64) % 3
    x[10, 2] = float("nan")
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3)).eval()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    with goodfit.watch(echo=None) as watcher:
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert {"model-in-eval-mode", "nonfinite-loss", "nonfinite-inputs"} <= {f.id for f in watcher.findings}
