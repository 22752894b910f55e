"""``goodfit slurm train``: submit a training run to Slurm through submitit (parse, call, print)."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli import options as opt
from goodfit.i18n import _

__all__ = ["register"]

slurm_app = typer.Typer(
    help="Run goodfit on a Slurm cluster (submitit); see docs/search.md.", no_args_is_help=True
)


@slurm_app.command("train")
def slurm_train(
    overrides: list[str] = opt.Overrides,
    config: Path | None = opt.ConfigFile,
    partition: str | None = opt.SlurmPartition,
    time_min: int = opt.SlurmTime,
    cpus: int = opt.SlurmCpus,
    gpus: int = opt.SlurmGpus,
    run_dir: Path | None = opt.RunDir,
    folder: Path | None = opt.SlurmFolder,
    dry_run: bool = opt.DryRun,
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the job and print its result."),
) -> None:
    """Submit one training run as a requeueable Slurm job (checkpoint on preemption, resume)."""
    from goodfit.config import build_config
    from goodfit.launch.slurm import SlurmOptions, submit_fit

    cfg = build_config(config, overrides or [])
    opts = SlurmOptions(partition=partition, time_min=time_min, cpus=cpus, gpus=gpus)
    job = submit_fit(cfg, opts, run_dir=run_dir, folder=folder, dry_run=dry_run)
    if dry_run:
        typer.echo(job, nl=False)
        return
    typer.echo(_("submitted job {job}; logs: {path}").format(job=job.job_id, path=job.paths.stdout))
    if not wait:
        return
    out = job.result()
    m = out["metrics"]
    typer.echo(f"status: {m['status']}")
    if "test" in m:
        typer.echo(_("test accuracy {accuracy:.4f}").format(accuracy=m["test"]["accuracy"]))
    typer.echo(f"run: {out['run_dir']}")


def register(app: typer.Typer) -> None:
    app.add_typer(slurm_app, name="slurm")
