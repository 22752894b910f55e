"""``goodfit slurm train``: submit a training run to Slurm through submitit (parse, call, print)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["slurm_app", "register"]

slurm_app = typer.Typer(
    help="Run goodfit on a Slurm cluster (submitit); see docs/search.md.", no_args_is_help=True
)


@slurm_app.command("train")
def slurm_train(
    overrides: list[str] = typer.Argument(None, help="Config overrides, as for goodfit train."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config file."),
    partition: str | None = typer.Option(None, "--partition", help="Slurm partition."),
    time_min: int = typer.Option(60, "--time", help="Time limit in minutes (the run requeues and resumes)."),
    cpus: int = typer.Option(1, "--cpus", help="CPUs per task."),
    gpus: int = typer.Option(0, "--gpus", help="GPUs per node."),
    run_dir: Path | None = typer.Option(None, "--run-dir", help="Exact run folder (must not exist)."),
    folder: Path | None = typer.Option(None, "--slurm-folder", help="submitit folder for scripts and logs."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the sbatch script and submit nothing."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the job and print its result."),
) -> None:
    """Submit one training run as a requeueable Slurm job (checkpoint on preemption, resume)."""
    from goodfit.cli import _build_config
    from goodfit.launch.slurm import SlurmOptions, submit_fit

    cfg = _build_config(config, overrides or [])
    opts = SlurmOptions(partition=partition, time_min=time_min, cpus=cpus, gpus=gpus)
    job = submit_fit(cfg, opts, run_dir=run_dir, folder=folder, dry_run=dry_run)
    if dry_run:
        typer.echo(job, nl=False)
        return
    typer.echo(f"submitted job {job.job_id}; logs: {job.paths.stdout}")
    if not wait:
        return
    out = job.result()
    m = out["metrics"]
    typer.echo(f"status: {m['status']}")
    if "test" in m:
        typer.echo(f"test accuracy {m['test']['accuracy']:.4f}")
    typer.echo(f"run: {out['run_dir']}")


def register(app: typer.Typer) -> None:
    """Add ``goodfit slurm ...`` to the main app (called once from ``goodfit.cli``)."""
    app.add_typer(slurm_app, name="slurm")
