"""``goodfit search``: the command line of :mod:`goodfit.search` (parse, call, print)."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli import options as opt
from goodfit.errors import GoodfitError
from goodfit.i18n import _

__all__ = ["register"]


def search(
    overrides: list[str] = typer.Argument(
        None, help="Base config overrides, e.g. data.name=mnist-5k train.epochs=3."
    ),
    grid: list[str] = typer.Option(
        None,
        "--grid",
        "-g",
        help="key=v1,v2 (tuple keys: model.hidden=32|64,64); "
        "repeat, or quote several: --grid 'optim.lr=1e-3,1e-2 model.hidden=32|64'.",
    ),
    space: Path | None = typer.Option(
        None, "--space", help="YAML search space for TPE (see goodfit.search.space)."
    ),
    trials: int = typer.Option(20, "--trials", "-n", min=1, help="TPE: number of trials (a grid runs every point)."),
    config: Path | None = opt.ConfigFile,
    storage: str | None = typer.Option(
        None, "--storage", help="SQLAlchemy URL (default: SQLite in the study folder)."
    ),
    pruner: str | None = typer.Option(
        None, "--pruner", help="median, hyperband or none (default: none for a grid, median for TPE)."
    ),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Local worker processes sharing the storage."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Sampler seed."),
    resume: Path | None = typer.Option(
        None, "--resume", help="Continue a search folder; finished trials are kept."
    ),
    no_retrain: bool = typer.Option(
        False, "--no-retrain", help="Skip the final retrain and its one test evaluation."
    ),
    launcher: str = typer.Option("local", "--launcher", help="local, or slurm (a job array of workers)."),
    partition: str | None = opt.SlurmPartition,
    time_min: int = opt.SlurmTime,
    cpus: int = opt.SlurmCpus,
    gpus: int = opt.SlurmGpus,
    array_parallelism: int = typer.Option(
        4, "--array-parallelism", help="Slurm: array tasks (workers) at once."
    ),
    folder: Path | None = opt.SlurmFolder,
    dry_run: bool = opt.DryRun,
) -> None:
    """Hyperparameter search: select on valid, retrain the best on train+valid, test it once."""
    from goodfit.search import create_search, finish_search, load_space, parse_grid
    from goodfit.search.study import run_worker, run_workers

    if resume is not None and (grid or space or overrides or config):
        raise GoodfitError(
            "--resume continues a search with its saved grid/space; drop --grid, --space and overrides"
        )
    if resume is None:
        from goodfit.config import build_config

        cfg = build_config(config, overrides or [])
        study_dir = create_search(
            cfg,
            grid=parse_grid(grid) if grid else None,
            space=load_space(space) if space else None,
            trials=trials,
            storage=storage,
            pruner=pruner,
            seed=seed,
        )
    else:
        from goodfit.search.study import prepare_resume

        study_dir = resume
        prepare_resume(study_dir)
    typer.echo(f"study: {study_dir}")
    if launcher == "slurm":
        from goodfit.launch.slurm import SlurmOptions, submit_search

        opts = SlurmOptions(
            partition=partition, time_min=time_min, cpus=cpus, gpus=gpus, array_parallelism=array_parallelism
        )
        jobs_ = submit_search(study_dir, opts, worker=run_worker, n_tasks=array_parallelism, folder=folder,
                              dry_run=dry_run)
        if dry_run:
            return
        typer.echo(_("submitted job array {job} ({n} workers); waiting").format(job=jobs_[0].job_id.split("_")[0],
                                                                                n=len(jobs_)))
        for job in jobs_:
            job.result()
    elif launcher == "local":
        run_workers(Path(study_dir), jobs=jobs)
    else:
        raise GoodfitError(f"--launcher {launcher!r} is not known; choose local or slurm")
    result = finish_search(study_dir, retrain=not no_retrain, progress=False)
    _echo(result)


def _echo(result) -> None:
    from goodfit.search.study import score_name

    typer.echo(_("trials: {counts}").format(counts=", ".join(f"{n} {s.lower()}" for s, n in result.counts.items())))
    score = score_name(result.trials)
    if result.best:
        typer.echo(_("best trial {number}: valid {score} {value:.4f} {params}").format(
            number=result.best["number"], score=score, value=result.best["value"],
            params=" ".join(f"{k}={v}" for k, v in result.best["params"].items())))
    if result.final and result.final.get("test"):
        typer.echo(_("retrained on train+valid, test {score} {value:.4f} (evaluated once)").format(
            score=score, value=result.final["test"][score]))
    typer.echo(f"report: {result.study_dir / 'report.html'}")


def register(app: typer.Typer) -> None:
    app.command(name="search")(search)
