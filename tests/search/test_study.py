"""Search end to end on small budgets: grid, TPE + pruning, a killed study resumed."""

import json
import os
import signal
import subprocess
import sys
import time

import optuna
import pytest

from goodfit import Config, apply_overrides
from goodfit.search import create_search, load_study, run_worker, search

FAST = ["train.monitors=false", "train.check=false", "train.checkpoint=false"]


def _cfg(tmp_path, *extra):
    return apply_overrides(Config(), [f"out_dir={tmp_path}", *FAST, *extra])


def test_tpe_with_pruning_prunes_and_never_tests_trials(tmp_path):
    space = {
        "optim.lr": {"type": "float", "low": 1e-5, "high": 1.0, "log": True},
        "model.hidden": {"type": "categorical", "choices": [[8], [32]]},
    }
    cfg = _cfg(tmp_path, "data.name=digits", "train.epochs=3", "train.batch_size=64")
    res = search(cfg, space=space, trials=8, pruner="median", retrain=False, progress=False)
    assert res.counts.get("PRUNED", 0) >= 1, res.counts
    assert sum(res.counts.values()) == 8
    for row in res.trials:  # trials select on valid only: no test metrics anywhere
        metrics = os.path.join(row["run_dir"], "metrics.json")
        if os.path.isfile(metrics):
            assert "test" not in json.load(open(metrics))
    assert res.final is None and (res.study_dir / "report.html").is_file()


def test_killed_grid_search_resumes_without_repeating(tmp_path):
    # trials of a second or more: the poll below sees 2 finished before the worker is through all 6 (on
    # an idle machine, digits trials were too quick for that)
    cfg = _cfg(tmp_path, "data.name=mnist-5k", "train.epochs=4", "model.hidden=16")
    study_dir = create_search(cfg, grid={"optim.lr": [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3]})
    code = f"from goodfit.search import run_worker; run_worker({str(study_dir)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 120
    while time.time() < deadline:
        done = [t for t in load_study(study_dir).get_trials() if t.state.is_finished()]
        if len(done) >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {
        t.number: t.params["optim.lr"]
        for t in load_study(study_dir).get_trials()
        if t.state == optuna.trial.TrialState.COMPLETE
    }
    assert 2 <= len(before) < 6
    # the kill may land between two trials; whatever it left RUNNING is what resume must mark interrupted
    left_running = sum(t.state == optuna.trial.TrialState.RUNNING for t in load_study(study_dir).get_trials())
    res = search(None, resume=study_dir, progress=False)
    complete = [t for t in res.trials if t["state"] == "COMPLETE"]
    lrs = [t["params"]["optim.lr"] for t in complete]
    assert sorted(lrs) == sorted(set(lrs)) and len(lrs) == 6  # every grid point once
    assert left_running <= 1
    assert sum(t["interrupted"] for t in res.trials) == left_running  # run again under a new number
    assert all(n in {t["number"] for t in complete} for n in before)  # finished trials kept, not rerun
    assert res.final["test"]["accuracy"] > 0.8
    again = search(None, resume=study_dir, progress=False)  # nothing left: no new trial, same final run
    assert len(again.trials) == len(res.trials) and again.final["run_dir"] == res.final["run_dir"]


def test_workers_racing_for_the_queue_run_each_grid_point_once(tmp_path):
    """Two workers at once on one SQLite study: the queue is popped under a lock, so no grid point is
    taken twice and no surplus or failed trial is left (a Slurm job array once saw both take trial 0)."""
    import threading

    cfg = _cfg(tmp_path, "data.name=digits", "train.epochs=1", "model.hidden=8", "train.monitors=false",
               "train.check=false")
    study_dir = create_search(cfg, grid={"optim.lr": [1e-3, 3e-3, 1e-2, 3e-2]})
    counts = []
    workers = [threading.Thread(target=lambda i=i: counts.append(run_worker(study_dir, worker=i))) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    trials = load_study(study_dir).get_trials()
    assert sum(counts) == 4 and [t.state.name for t in trials] == ["COMPLETE"] * 4
    assert sorted(t.params["optim.lr"] for t in trials) == [1e-3, 3e-3, 1e-2, 3e-2]


def test_an_old_surplus_trial_is_left_out_of_the_summary(tmp_path):
    """Studies made before the queue was locked may hold a pruned "surplus" trial without params."""
    cfg = _cfg(tmp_path, "data.name=digits", "train.epochs=1", "model.hidden=8")
    study_dir = create_search(cfg, grid={"optim.lr": [1e-2, 1e-1]})
    assert run_worker(study_dir) == 2
    study = load_study(study_dir)
    late = study.ask()
    late.set_user_attr("surplus", True)
    study.tell(late, state=optuna.trial.TrialState.PRUNED)
    res = search(None, resume=study_dir, retrain=False, progress=False)
    assert res.counts == {"COMPLETE": 2} and len(res.trials) == 2
    assert len(load_study(study_dir).get_trials()) == 3  # resume queued nothing


@pytest.mark.e2e
@pytest.mark.slow
def test_cli_grid_search_mnist5k(tmp_path):
    """8 grid points (depth × lr) on mnist-5k, 2 epochs: clear spread; best retrained and tested once."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "goodfit.cli",
            "search",
            "--grid",
            "model.hidden=32|64,64",
            "--grid",
            "optim.lr=1e-4,1e-3,1e-2,3e-1",
            "data.name=mnist-5k",
            "train.epochs=2",
            f"out_dir={tmp_path}",
            *FAST,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    study_dir = next(tmp_path.glob("run-search-*"))
    summary = json.loads((study_dir / "summary.json").read_text())
    values = [t["value"] for t in summary["trials"] if t["state"] == "COMPLETE"]
    assert len(values) == 8
    assert max(values) - min(values) > 0.1, values
    assert summary["final"]["test"]["accuracy"] > 0.85
    final_metrics = json.loads(open(os.path.join(summary["final"]["run_dir"], "metrics.json")).read())
    assert len(final_metrics["test_evaluations"]) == 1 and final_metrics["n_valid"] == 0
    html = (study_dir / "report.html").read_text()
    assert "evaluated exactly once" in html
    assert html.count("data:image/png") >= 3  # heatmap, history, importances
    assert "test accuracy" in proc.stdout


@pytest.mark.parametrize("url, fragment", [
    ("mysql://someone@localhost/db", "driver is not installed"),
    ("sqlite:////nonexistent/folder/study.db", "cannot be used"),
    ("nosuchdialect://x", "cannot be used"),
])
def test_bad_storage_is_one_line_and_leaves_no_study_folder(tmp_path, url, fragment):
    from goodfit.errors import ConfigError

    with pytest.raises(ConfigError, match=fragment) as info:
        create_search(_cfg(tmp_path, "data.name=digits"), grid={"optim.lr": [1e-3]}, storage=url)
    assert "\n" not in str(info.value) and not list(tmp_path.iterdir())


def test_python_api_grid_takes_tuples(tmp_path):
    study_dir = create_search(_cfg(tmp_path, "data.name=digits"), grid={"model.hidden": [(16,), (32, 16)]})
    spec = json.loads((study_dir / "search.json").read_text())
    assert spec["grid"] == {"model.hidden": ["16", "32,16"]}  # what --grid model.hidden=16|32,16 gives
    waiting = load_study(study_dir).get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert sorted(t.system_attrs["fixed_params"]["model.hidden"] for t in waiting) == ["16", "32,16"]
