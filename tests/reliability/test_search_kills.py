"""A killed hyperparameter search: no orphaned workers, interrupted trials re-run, and a kill in the
final retrain resumed by ``goodfit search --resume`` alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import GOODFIT
from reliability.harness import TALLY

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

KILLER = [sys.executable, str(Path(__file__).with_name("killer.py"))]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
FAST = ["data.name=digits", "model.hidden=16", "train.monitors=false", "train.check=false"]


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_a_two_worker_search_leaves_no_workers_and_resumes(tmp_path):
    cmd = [*GOODFIT, "search", "--jobs", "2", "--grid", "optim.lr=1e-3,3e-3,1e-2,3e-2", "--no-retrain",
           *FAST, "train.epochs=40", f"out_dir={tmp_path}", "name=s"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    deadline, workers = time.time() + 120, []
    while time.time() < deadline and not list(tmp_path.glob("s-*/trials/*/history.csv")):
        time.sleep(0.2)  # until a worker is training
    workers = [w for c in _children(proc.pid) for w in [c, *_children(c)]]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    TALLY["search kills"] += 1
    assert workers and not [w for w in workers if _alive(w)], "workers outlived the killed search"
    study = next(tmp_path.glob("s-*"))
    resumed = subprocess.run([*GOODFIT, "search", "--resume", str(study), "--no-retrain"], capture_output=True,
                             text=True, env=ENV, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    summary = json.loads((study / "summary.json").read_text())
    done = sorted(t["params"]["optim.lr"] for t in summary["trials"] if t["state"] == "COMPLETE")
    assert done == [1e-3, 3e-3, 1e-2, 3e-2]  # every grid point once; the killed trials ran again


def test_a_kill_in_the_final_retrain_is_resumed_by_search_resume(tmp_path):
    cmd = [*KILLER, "/final-trial", "3", "search", "--grid", "optim.lr=3e-3,1e-2", *FAST, "train.epochs=4",
           f"out_dir={tmp_path}", "name=s"]
    killed = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    study = next(tmp_path.glob("s-*"))
    final = next(study.glob("final-trial*"))
    assert not (final / "metrics.json").is_file()
    resumed = subprocess.run([*GOODFIT, "search", "--resume", str(study)], capture_output=True, text=True,
                             env=ENV, timeout=600)
    TALLY["search kills"] += 1
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    metrics = json.loads((final / "metrics.json").read_text())
    assert metrics["status"] == "completed" and len(metrics["test_evaluations"]) == 1
    assert not list(final.rglob("*.tmp"))
