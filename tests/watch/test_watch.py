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


def _train(model, opt, loader, loss_of, epochs=1, evaluate=None):
    for _ in range(epochs):
        for xb, yb in loader:
            loss = loss_of(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if evaluate is not None:
            evaluate()


def test_a_hand_written_loss_is_seen_through_backward():
    torch.manual_seed(0)
    x, y = torch.randn(96, 6), torch.arange(96) % 3
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)

    def nan_ce(out, target):  # -log of raw logits: NaN for every negative logit
        return -torch.log(out[torch.arange(len(target)), target]).mean()

    def hand_ce(out, target):  # the same, done right
        return -torch.log_softmax(out, 1)[torch.arange(len(target)), target].mean()

    found = {}
    for name, loss_of in (("nan", nan_ce), ("right", hand_ce)):
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        with goodfit.watch(echo=None) as watcher:
            _train(model, opt, loader, loss_of)
        found[name] = {f.id for f in watcher.findings}
    assert "nonfinite-loss" in found["nan"]
    assert found["right"] == set()
    assert torch.Tensor.backward.__name__ == "backward" and not hasattr(torch.Tensor.backward, "__wrapped__")


def test_a_broadcasting_regression_loss_is_an_error_but_a_squeezed_one_is_clean():
    torch.manual_seed(0)
    x = torch.randn(128, 5)
    y = x @ torch.randn(5) + 0.1 * torch.randn(128)  # targets of shape (N,)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    found = {}
    for name, loss_of in (("broadcast", nn.MSELoss()), ("squeezed", lambda out, t: nn.MSELoss()(out.squeeze(1), t))):
        model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))  # outputs (N, 1)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        with pytest.warns(UserWarning) if name == "broadcast" else _no_warning(), goodfit.watch(echo=None) as w:
            _train(model, opt, loader, loss_of)
        found[name] = [f for f in w.findings if f.id == "wrong-output-units"]
    assert len(found["broadcast"]) == 1 and found["broadcast"][0].severity == "error"
    assert "(32, 32)" in found["broadcast"][0].message
    assert found["squeezed"] == []


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


def test_a_test_split_named_by_the_script_is_recognised():
    """The common course form: a train_test_split test set in a TensorDataset, evaluated every epoch."""
    torch.manual_seed(0)
    x, y = torch.randn(300, 6), torch.arange(300) % 3
    X_train, y_train, X_test, y_test = x[:200], y[:200], x[200:], y[200:]  # noqa: N806 - the course's names
    train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)

    def run(eval_loader, every_epoch):
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def evaluate():
            model.eval()
            with torch.no_grad():
                for xb, _ in eval_loader:
                    model(xb)
            model.train()

        with goodfit.watch(echo=None) as w:
            _train(model, opt, train_loader, nn.functional.cross_entropy, epochs=3,
                   evaluate=evaluate if every_epoch else None)
            if not every_epoch:
                evaluate()
        return {f.id for f in w.findings}

    test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=64)
    assert "test-as-valid" in run(test_loader, every_epoch=True)
    assert "test-as-valid" not in run(test_loader, every_epoch=False)  # touched once, at the end
    X_val, y_val = X_test.clone(), y_test.clone()  # noqa: N806 - a validation split, named so
    assert "test-as-valid" not in run(DataLoader(TensorDataset(X_val, y_val), batch_size=64), every_epoch=True)
