"""Kill training at the worst moments, resume, and get exactly what an uninterrupted run gets.

Every chain trains one deterministic run and interrupts it again and again: SIGKILL in the middle
of an atomic write (the temp file written, not yet renamed: ``killer.py``) of each file a run
writes, SIGKILL at random moments between epochs, and SIGINT / SIGTERM / SIGHUP, which must save
and stop like Ctrl-C. After each interruption ``--resume`` continues; at the end the run's history,
metrics, test-look count, findings and weights must equal an uninterrupted run's, and no temp file
may be left. A second process given the same folder while one trains in it is refused.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import GOODFIT
from reliability.harness import TALLY

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

KILLER = [sys.executable, str(Path(__file__).with_name("killer.py"))]
ARGS = ["data.name=mnist-5k", "train.epochs=14", "train.batch_size=32", "model.hidden=32,32",
        "train.deterministic=true", "--progress", "lines"]
ENV = {**os.environ, "COLUMNS": "120", "OMP_NUM_THREADS": "1"}

# Up to 23 interruptions; a chain stops once its run has completed. (how, what, n): "write" kills at
# the n-th atomic write of the file `what`; "epoch" SIGKILLs a random moment after the n-th epoch
# line; "signal" sends `what` after the n-th epoch line.
CHAINS = {
    "checkpoint-writes": [("write", "last.pt", 1), ("write", "last.pt", 2), ("write", "best.pt", 1),
                          ("write", "last.pt", 3), ("write", "history.csv", 2), ("write", "metrics.json", 1)],
    "first-write": [("write", "config.yaml", 1), ("write", "history.csv", 1), ("write", "findings.json", 1),
                    ("write", "predictions.npz", 1), ("write", "report.html", 1)],
    "random-moments": [("epoch", "SIGKILL", 1)] * 7,
    "signals": [("signal", "SIGTERM", 1), ("signal", "SIGHUP", 2), ("signal", "SIGINT", 1),
                ("epoch", "SIGKILL", 1), ("write", "report.html", 1)],
}


def _start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            start_new_session=True)


def _after_epoch_lines(proc: subprocess.Popen, n: int) -> bool:
    """Read the progress until the n-th epoch line; False if the process ended first."""
    seen = 0
    for line in proc.stderr:
        if line.startswith("epoch "):
            seen += 1
            if seen == n:
                return True
    return False


def _step(run: Path, how: str, what: str, n: int, rng: random.Random, first: bool) -> str:
    """One (possibly interrupted) process on ``run``; returns how it ended."""
    target = ["--run-dir", str(run), *ARGS] if first else ["--resume", str(run)]
    if how == "write":
        proc = _start([*KILLER, what, str(n), "train", *target])
    else:
        proc = _start([*GOODFIT, "train", *target])
        if _after_epoch_lines(proc, n):
            time.sleep(rng.uniform(0.0, 0.15) if how == "epoch" else 0.0)
            proc.send_signal(getattr(signal, what))
    out, err = proc.communicate(timeout=300)
    TALLY["kills"] += proc.returncode != 0  # a step that ran to the end interrupted nothing
    return f"exit {proc.returncode}: {err.strip().splitlines()[-1] if err.strip() else out[-200:]}"


def _finish(run: Path) -> None:
    """Resume until the run has completed (a kill in its report leaves a completed run to report)."""
    for _ in range(3):
        metrics = run / "metrics.json"
        if metrics.is_file() and json.loads(metrics.read_text())["status"] == "completed":
            if not (run / "report.html").is_file():
                subprocess.run([*GOODFIT, "report", str(run)], check=True, capture_output=True, env=ENV)
            return
        proc = subprocess.run([*GOODFIT, "train", "--resume", str(run)], capture_output=True, text=True, env=ENV)
        assert proc.returncode in (0, 130), proc.stderr[-2000:]
    raise AssertionError(f"{run} did not complete after three resumes")


def _outcome(run: Path) -> dict:
    """What must not depend on interruptions: timings and timestamps left out."""
    history = [{k: v for k, v in row.items() if "time" not in k}
               for row in _rows(run / "history.csv")]
    metrics = json.loads((run / "metrics.json").read_text())
    looks = len(metrics.pop("test_evaluations"))
    metrics.pop("train_time_s")
    best = torch.load(run / "checkpoints" / "best.pt", weights_only=False)["model"]
    return {"history": history, "metrics": metrics, "test_looks": looks,
            "findings": json.loads((run / "findings.json").read_text()),
            "weights": {k: v.numpy().tobytes() for k, v in best.items()}}


def _rows(path: Path) -> list[dict]:
    import csv

    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    run = tmp_path_factory.mktemp("reference") / "run"
    proc = subprocess.run([*GOODFIT, "train", "--run-dir", str(run), *ARGS], capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return _outcome(run)


@pytest.mark.parametrize("chain", list(CHAINS))
def test_interrupted_runs_resume_to_the_uninterrupted_result(chain, uninterrupted, tmp_path):
    rng = random.Random(chain)
    run = tmp_path / "run"
    log = []
    for how, what, n in CHAINS[chain]:
        if (run / "metrics.json").is_file() and json.loads((run / "metrics.json").read_text())["status"] == "completed":
            break  # this chain's later kills would land after the end
        log.append(f"{how} {what} {n} -> {_step(run, how, what, n, rng, first=not (run / 'config.yaml').is_file())}")
    _finish(run)
    TALLY["resumes tried"] += 1
    leftovers = sorted(p.name for p in run.rglob("*.tmp"))
    got = _outcome(run)
    same = got == uninterrupted
    TALLY["resumes identical"] += int(same and not leftovers)
    assert not leftovers, f"temp files left: {leftovers}\n" + "\n".join(log)
    for key in uninterrupted:
        assert got[key] == uninterrupted[key], f"{key} differs after:\n" + "\n".join(log)


def test_a_run_folder_is_locked_while_a_process_trains_in_it(tmp_path):
    run = tmp_path / "run"
    # 2,000 epochs: still training when the second process has started, however slow the machine
    first = _start([*GOODFIT, "train", "--run-dir", str(run), *ARGS[:-2], "train.epochs=2000", "--progress", "lines"])
    try:
        assert _after_epoch_lines(first, 1)
        second = subprocess.run([*GOODFIT, "train", "--resume", str(run)], capture_output=True, text=True, env=ENV)
        assert second.returncode == 2 and "is in use by goodfit pid" in second.stderr, second.stderr
        first.send_signal(signal.SIGTERM)
        _out, err = first.communicate(timeout=120)
        assert "stopped by SIGTERM" in err
        assert json.loads((run / "metrics.json").read_text())["status"] == "interrupted"
    finally:
        first.kill()


def test_a_closed_output_pipe_does_not_stop_training(tmp_path):
    """``goodfit train ... 2>&1 | head -1``: the reader leaves after one line; the run still completes."""
    run = tmp_path / "run"
    proc = subprocess.Popen([*GOODFIT, "train", "--run-dir", str(run), *ARGS], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=ENV)
    proc.stdout.readline()
    proc.stdout.close()  # as head -1 does
    assert proc.wait(timeout=300) == 0
    assert json.loads((run / "metrics.json").read_text())["status"] == "completed"
