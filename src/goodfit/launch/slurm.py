"""Run goodfit on a Slurm cluster through submitit: one training job, or a job array of search workers.

A training job is :class:`TrainTask`, a submitit ``Checkpointable``: on preemption or at the time
limit Slurm signals it (USR2), submitit requeues the same task, and the requeued job continues the
run from ``checkpoints/last.pt`` (``fit(None, resume=run_dir)``). With ``train.deterministic=true``
the final result equals an uninterrupted run's. Logs go to the submitit folder, one plain line per
epoch (stdout is not a TTY there).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goodfit.config import Config, config_from_dict, config_to_dict
from goodfit.errors import ConfigError, LaunchError

__all__ = [
    "SlurmOptions",
    "TrainTask",
    "WorkerTask",
    "submit_fit",
    "submit_search",
    "sbatch_script",
    "executor",
]


@dataclass(frozen=True)
class SlurmOptions:
    """What ``sbatch`` is asked for (one task per job)."""

    partition: str | None = None
    time_min: int = 60
    cpus: int = 1
    gpus: int = 0
    mem_gb: float | None = None
    array_parallelism: int = 4
    job_name: str = "goodfit"

    def __post_init__(self) -> None:
        if self.time_min < 1 or self.cpus < 1 or self.gpus < 0 or self.array_parallelism < 1:
            raise ConfigError(
                "Slurm options: --time and --cpus must be >= 1, --gpus >= 0, --array-parallelism >= 1"
            )


def executor(folder: str | Path, opts: SlurmOptions) -> Any:
    """A ``submitit.SlurmExecutor`` writing scripts and logs to ``folder``."""
    import submitit

    ex = submitit.SlurmExecutor(folder=str(folder), max_num_timeout=3)
    params: dict[str, Any] = {
        "time": opts.time_min,
        "cpus_per_task": opts.cpus,
        "job_name": opts.job_name,
        "array_parallelism": opts.array_parallelism,
        "signal_delay_s": 60,
    }
    if opts.partition:
        params["partition"] = opts.partition
    if opts.gpus:
        params["gpus_per_node"] = opts.gpus
    if opts.mem_gb:
        params["mem"] = f"{int(opts.mem_gb * 1024)}MB"
    ex.update_parameters(**params)
    return ex


def sbatch_script(folder: str | Path, opts: SlurmOptions, *, n_tasks: int | None = None) -> str:
    """The sbatch script submitit would submit (what ``--dry-run`` prints); ``n_tasks``: a job array.

    Examples:
        >>> opts = SlurmOptions(partition="debug", time_min=30, cpus=2)
        >>> script = sbatch_script("/tmp/goodfit-doc-slurm", opts)
        >>> "#SBATCH --partition=debug" in script and "#SBATCH --cpus-per-task=2" in script
        True
    """
    ex = executor(folder, opts)
    if n_tasks:
        ex.parameters["map_count"] = n_tasks  # what submitit sets for map_array
    return ex._make_submission_file_text(ex._submitit_command_str, "dry-run")


class TrainTask:
    """A training run as a requeueable Slurm task: a requeued job resumes the run from its last checkpoint.

    ``train.nproc > 1`` starts that many ranks inside the task (:func:`~goodfit.launch.ddp.run_fit`).
    """

    def __call__(self, config: dict[str, Any], run_dir: str) -> dict[str, Any]:
        from goodfit.launch.ddp import run_fit

        path = Path(run_dir)
        if (path / "checkpoints" / "last.pt").is_file():
            result = run_fit(None, resume=path, progress="lines")
        else:
            if path.exists():  # this task's own folder from an attempt stopped before its first epoch ended
                shutil.rmtree(path)
            result = run_fit(config_from_dict(config), run_dir=path, progress="lines")
        return {"run_dir": str(result.run_dir), "metrics": result.metrics, "history": result.history}

    def checkpoint(self, config: dict[str, Any], run_dir: str) -> Any:
        """Called by submitit on the preemption / time-limit signal: requeue the same task.

        The run's state is already on disk (``last.pt`` at each epoch end), so the new job resumes there.
        """
        import submitit

        _tolerate_requeue_race()
        return submitit.helpers.DelayedSubmission(self, config, run_dir)


class WorkerTask:
    """One task of a job array, running ``fn(folder, worker=i)`` (a search worker pulling trials from its
    study's storage, say); on the preemption / time-limit signal the same task is requeued."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, folder: str, worker: int) -> Any:
        return self.fn(folder, worker=worker)

    def checkpoint(self, folder: str, worker: int) -> Any:
        import submitit

        _tolerate_requeue_race()
        return submitit.helpers.DelayedSubmission(self, folder, worker)


def _tolerate_requeue_race() -> None:
    """Make submitit's ``scontrol requeue`` accept being killed by the requeue it asked for.

    Once slurmctld accepts the requeue, slurmd sends SIGTERM to every process of the job, the
    ``scontrol`` child included; when that lands before ``scontrol`` exits (seen in CI on a busy
    machine), submitit raises CalledProcessError and records the job as failed although it was
    requeued. A SIGTERM-killed ``scontrol`` therefore counts as done; any other failure still raises.
    Runs in the job's own process, just before submitit requeues.
    """
    import signal
    import subprocess

    from submitit.slurm.slurm import SlurmJobEnvironment

    original = SlurmJobEnvironment._requeue
    if getattr(original, "_goodfit_tolerant", False):
        return

    def requeue(self: Any, countdown: int) -> None:
        try:
            original(self, countdown)
        except subprocess.CalledProcessError as exc:
            if exc.returncode != -signal.SIGTERM:
                raise

    requeue._goodfit_tolerant = True  # type: ignore[attr-defined]
    SlurmJobEnvironment._requeue = requeue  # type: ignore[method-assign]


def _fresh_folder(folder: str | Path | None, default: Path) -> Path:
    path = Path(folder) if folder else default
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def submit_fit(
    config: Config,
    opts: SlurmOptions,
    *,
    run_dir: str | Path | None = None,
    folder: str | Path | None = None,
    dry_run: bool = False,
) -> Any:
    """Submit one training job; return the submitit ``Job`` (or the sbatch script text for ``dry_run``)."""
    import time

    run_dir = Path(
        run_dir or Path(config.out_dir) / f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    ).resolve()
    folder = _fresh_folder(folder, run_dir.parent / "slurm")
    if dry_run:
        return sbatch_script(folder, opts)
    ex = executor(folder, opts)
    with _sbatch_errors():
        return ex.submit(TrainTask(), config_to_dict(config), str(run_dir))


def submit_search(
    study_dir: str | Path,
    opts: SlurmOptions,
    *,
    worker: Callable[[str, int], Any],
    n_tasks: int,
    folder: str | Path | None = None,
    dry_run: bool = False,
) -> Any:
    """Submit a job array of ``n_tasks`` tasks, task ``i`` running ``worker(study_dir, worker=i)``
    (:func:`goodfit.search.run_worker`: it pulls trials from the study's storage).

    The storage must be reachable from every node (SQLite: one node or a shared file system).
    """
    study_dir = Path(study_dir).resolve()
    folder = _fresh_folder(folder, study_dir / "slurm")
    if dry_run:
        script = sbatch_script(folder, opts, n_tasks=n_tasks)
        print(script)
        return script
    ex = executor(folder, opts)
    with _sbatch_errors():
        return ex.map_array(WorkerTask(worker), [str(study_dir)] * n_tasks, list(range(n_tasks)))


@contextlib.contextmanager
def _sbatch_errors() -> Iterator[None]:
    """sbatch refusing a job (no controller, unknown partition, bad limits): one line naming why."""
    from submitit.core.utils import FailedJobError

    try:
        yield
    except FailedJobError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "no message")
        reason = reason.removeprefix("sbatch: error: ")
        raise LaunchError(
            f"Slurm did not accept the job: {reason}; is Slurm running here? See docs/search.md"
        ) from None
