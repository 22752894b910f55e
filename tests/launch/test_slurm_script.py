"""The sbatch scripts goodfit would submit (no cluster needed)."""

import signal
import subprocess

import pytest
from helpers import assert_one_line_error, run_cli

from goodfit.launch.slurm import SlurmOptions, sbatch_script


def test_script_has_requested_resources(tmp_path):
    script = sbatch_script(tmp_path, SlurmOptions(partition="gpu", time_min=30, cpus=4, gpus=1))
    for line in ("--partition=gpu", "--time=30", "--cpus-per-task=4", "--gpus-per-node=1", "--signal=USR2@60"):
        assert f"#SBATCH {line}" in script
    assert "submitit.core._submit" in script


def test_cli_dry_runs_submit_nothing(tmp_path):
    proc = run_cli("slurm", "train", "data.name=digits", "--partition", "debug", "--time", "30", "--cpus", "2",
                   "--dry-run", "--slurm-folder", tmp_path / "s", timeout=120)
    assert "#SBATCH --partition=debug" in proc.stdout and "#SBATCH --cpus-per-task=2" in proc.stdout
    proc = run_cli("search", "--grid", "optim.lr=1e-3,1e-2", "data.name=digits", f"out_dir={tmp_path}",
                   "--launcher", "slurm", "--array-parallelism", "8", "--dry-run", timeout=120)
    assert "#SBATCH --array=0-7%8" in proc.stdout
    assert not list(tmp_path.glob("*/trials"))  # nothing trained


def test_cli_search_user_errors_are_one_line(tmp_path):
    proc = run_cli("search", "--grid", "optim.lrr=1,2", f"out_dir={tmp_path}", check=False, timeout=120)
    assert_one_line_error(proc, "unknown config key 'optim.lrr'")


@pytest.mark.parametrize("returncode, raises", [(-signal.SIGTERM, False), (1, True)])
def test_requeue_killed_by_its_own_requeue_counts_as_done(monkeypatch, returncode, raises):
    from submitit.slurm import slurm as submitit_slurm

    from goodfit.launch.slurm import _tolerate_requeue_race

    monkeypatch.setattr(submitit_slurm.SlurmJobEnvironment, "_requeue", submitit_slurm.SlurmJobEnvironment._requeue)
    monkeypatch.setenv("SLURM_JOB_ID", "7")

    def scontrol(cmd, **kwargs):
        raise subprocess.CalledProcessError(returncode, cmd)

    monkeypatch.setattr(submitit_slurm.subprocess, "check_call", scontrol)
    _tolerate_requeue_race()
    _tolerate_requeue_race()  # idempotent: wraps once
    env = object.__new__(submitit_slurm.SlurmJobEnvironment)
    if raises:
        with pytest.raises(subprocess.CalledProcessError):
            env._requeue(3)
    else:
        env._requeue(3)


def test_sbatch_refusing_a_job_is_one_line():
    from submitit.core.utils import FailedJobError

    from goodfit.errors import LaunchError
    from goodfit.launch.slurm import _sbatch_errors

    with pytest.raises(LaunchError, match="did not accept the job: Batch job submission failed: Invalid partition"):
        with _sbatch_errors():
            raise FailedJobError("sbatch: error: Batch job submission failed: Invalid partition name specified\n")
