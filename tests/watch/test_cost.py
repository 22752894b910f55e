"""What watching leaves in a script's way once its work is done: the module and pre-step hooks go at the
first step, the loss and backward wrappers after the steps followed closely, and ``goodfit watch``
starts the script without loading Typer (the monitors' pacing: test_monitoring.py)."""

import subprocess
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import goodfit
from goodfit.cli import quick
from goodfit.watch.observer import LOSS_FUNCTIONS


def _train(model, opt, loader, steps, loss_fn=F.cross_entropy, seen=None):
    done = 0
    while done < steps:
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += 1
            if seen is not None:
                seen.append(done)
            if done == steps:
                return


def _setup():
    torch.manual_seed(0)
    x, y = torch.randn(128, 6), torch.arange(128) % 3
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, torch.optim.SGD(model.parameters(), lr=0.05), DataLoader(TensorDataset(x, y), batch_size=16,
                                                                            shuffle=True)


def test_hooks_and_wrappers_go_as_soon_as_their_work_is_done():
    model, opt, loader = _setup()
    originals = {name: getattr(F, name) for name in LOSS_FUNCTIONS}
    backward, iterate = torch.Tensor.backward, DataLoader.__iter__
    with goodfit.watch(steps=5, echo=None) as watcher:
        wrapped_ce = F.cross_entropy  # a reference the script takes while the wrappers are in place
        assert wrapped_ce is not originals["cross_entropy"] and DataLoader.__iter__ is not iterate
        _train(model, opt, loader, 1)
        assert set(watcher._hooks) == {"step"}  # the model is known: no module or pre-step hook any more
        _train(model, opt, loader, 4)
        assert {name: getattr(F, name) for name in LOSS_FUNCTIONS} == originals and torch.Tensor.backward is backward
        assert DataLoader.__iter__ is not iterate  # evaluation passes and new loaders are still seen
        _train(model, opt, loader, 3, loss_fn=wrapped_ce)  # the old reference still computes the loss
    assert len(watcher.losses) == 5 and watcher.step == 8
    assert DataLoader.__iter__ is iterate and not watcher._hooks and not watcher._patched


def test_a_watched_run_computes_what_a_plain_one_does_past_the_followed_steps():
    model, opt, loader = _setup()
    _train(model, opt, loader, 30)
    plain = [p.detach().clone() for p in model.parameters()]
    model, opt, loader = _setup()
    with goodfit.watch(steps=10, echo=None):
        _train(model, opt, loader, 30)
    assert all(torch.equal(a, b) for a, b in zip(plain, model.parameters()))


def test_the_quick_command_line_takes_the_options_typer_would(monkeypatch):
    calls = []
    monkeypatch.setattr(quick, "run_watch", lambda *a: calls.append(a) or 3)
    assert quick.watch_command(["train.py", "--epochs", "2"]) == 3
    assert quick.watch_command(["--steps", "7", "--out-dir=out", "train.py"]) == 3
    assert quick.watch_command(["--out-dir", "o", "--steps=2", "t.py", "--steps", "9"]) == 3  # the script's own
    assert [(str(s), a, str(o), n) for s, a, o, n in calls] == [
        ("train.py", ["--epochs", "2"], "runs", 50), ("train.py", [], "out", 7), ("t.py", ["--steps", "9"], "o", 2)]
    for argv in ([], ["--help"], ["--steps", "0", "t.py"], ["--steps", "x", "t.py"], ["--out-dir"], ["--lang", "de"],
                 ["--", "t.py"], ["--steps=3"]):
        assert quick.watch_command(argv) is None, argv  # Typer parses these and answers as usual
    assert len(calls) == 3


def test_goodfit_watch_starts_the_script_without_loading_typer(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text("import sys\nprint(sorted(set(sys.modules) & {'typer', 'click', 'goodfit.cli.commands'}))\n")
    code = "import sys; from goodfit.cli import main; sys.argv = ['goodfit'] + sys.argv[1:]; main()"
    proc = subprocess.run([sys.executable, "-c", code, "watch", "--out-dir", str(tmp_path), str(script)],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]" and "findings: " in proc.stderr
