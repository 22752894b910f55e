"""Against a real Slurm cluster (ci/slurm/start.sh): a training job, a job array of search workers,
and a preempted job that requeues and resumes to the same result as an uninterrupted run.

They run when Slurm answers (``sinfo``) or ``GOODFIT_SLURM=1``; under ``CI=true`` a missing cluster is
a failure, not a skip. Each test uses its own submitit folder (job ids restart when Slurm's state is wiped).
"""

import os
import shutil
import subprocess
import time

import pytest

from goodfit import Config, apply_overrides, fit
from goodfit.launch.slurm import SlurmOptions, submit_fit, submit_search

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
FAST = ["train.monitors=false", "train.check=false"]


def _slurm_up() -> str | None:
    if not shutil.which("sinfo"):
        return "sinfo not found (start a test cluster with ci/slurm/start.sh)"
    proc = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    states = proc.stdout.split()
    up = ("idle", "mixed", "allocated", "completing")  # completing: a job before is still finishing there
    if proc.returncode != 0 or not any(s.rstrip("*") in up for s in states):
        return f"no usable Slurm node: {proc.stdout.strip() or proc.stderr.strip()}"
    return None


@pytest.fixture(scope="module")
def slurm():
    problem = _slurm_up()
    if problem:
        if os.environ.get("CI") == "true" or os.environ.get("GOODFIT_SLURM") == "1":
            pytest.fail(f"Slurm tests need a cluster: {problem}")
        pytest.skip(problem)


def _cfg(tmp_path, *extra):
    return apply_overrides(Config(), [f"out_dir={tmp_path / 'runs'}", *FAST, *extra])


def test_training_job(slurm, tmp_path):
    cfg = _cfg(tmp_path, "data.name=digits", "train.epochs=6", "model.hidden=32")
    job = submit_fit(cfg, SlurmOptions(time_min=10, cpus=1), folder=tmp_path / "slurm")
    out = job.result()
    assert out["metrics"]["status"] == "completed" and out["metrics"]["test"]["accuracy"] > 0.8
    assert "epoch 6" in (job.stdout() or "") + (job.stderr() or "")  # plain per-epoch lines in the Slurm log


def test_search_job_array(slurm, tmp_path):
    from goodfit.search import create_search, finish_search, run_worker

    cfg = _cfg(tmp_path, "data.name=digits", "train.epochs=2", "model.hidden=16", "train.checkpoint=false")
    study_dir = create_search(cfg, grid={"optim.lr": [1e-3, 1e-2, 0.1, 0.3]})
    jobs = submit_search(
        study_dir,
        SlurmOptions(time_min=10, cpus=1, array_parallelism=2),
        worker=run_worker,
        n_tasks=2,
        folder=tmp_path / "slurm",
    )
    assert len({j.job_id.split("_")[0] for j in jobs}) == 1  # one array
    ran = [j.result() for j in jobs]
    res = finish_search(study_dir, progress=False)
    lrs = [t["params"]["optim.lr"] for t in res.trials if t["state"] == "COMPLETE"]
    assert sorted(lrs) == [1e-3, 1e-2, 0.1, 0.3] and sum(ran) == 4  # each point once, over 2 tasks
    assert res.final["test"]["accuracy"] > 0.5  # 2 epochs of a 16-unit MLP: far above chance (0.1)


@pytest.mark.slow
def test_preempted_job_requeues_and_matches_uninterrupted_run(slurm, tmp_path):
    overrides = [
        "data.name=mnist-5k",
        "train.epochs=8",
        "train.batch_size=32",
        "model.hidden=64",
        "train.deterministic=true",
    ]
    run_dir = tmp_path / "preempted"
    job = submit_fit(
        _cfg(tmp_path, *overrides),
        SlurmOptions(time_min=10, cpus=2),
        run_dir=run_dir,
        folder=tmp_path / "slurm",
    )
    deadline = time.time() + 180
    while not (run_dir / "checkpoints" / "last.pt").is_file():  # wait for the first epoch's checkpoint
        assert time.time() < deadline, "no checkpoint after 180 s"
        time.sleep(0.2)
    subprocess.run(["scancel", "--signal=USR2", job.job_id], check=True)
    out = job.result()
    assert "requeu" in job.stderr().lower() or "checkpoint" in job.stderr().lower(), job.stderr()[-2000:]
    reference = fit(_cfg(tmp_path, *overrides, "name=reference"), progress="quiet", report=False)
    got = out["metrics"]
    assert got["status"] == "completed" and len(out["history"]) == 8
    assert got["test"]["accuracy"] == reference.metrics["test"]["accuracy"]
    assert got["test"]["loss"] == pytest.approx(reference.metrics["test"]["loss"], rel=1e-6)
