"""Commands on data sets and finished runs: ``explore``, ``list``, ``evaluate``, ``predict``, ``report``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from goodfit.cli import options as opt
from goodfit.i18n import N_, _

__all__ = ["register"]


def explore(
    dataset: str = typer.Argument(..., help="A data set name (see goodfit list)."),
    data_root: str | None = opt.DataRoot,
    out: Path = typer.Option(Path("runs/explore"), "--out", help="Folder for samples.png and explore.html."),
) -> None:
    """Look at a data set first: shapes, ranges, class balance, duplicates, suggested scaling."""
    from goodfit.report.explore import explore as run_explore

    result = run_explore(dataset, root=data_root, out_dir=out / dataset.replace("/", "_").replace(":", "_"))
    typer.echo(result.summary())


def list_() -> None:
    """List the registered data sets, models, tasks (data.task) and recipes (--recipe)."""
    from goodfit.data import DATASETS
    from goodfit.models import MODELS
    from goodfit.recipes import RECIPES
    from goodfit.tasks import TASKS

    for title, registry in ((N_("data sets:"), DATASETS), (N_("models:"), MODELS), (N_("tasks (data.task):"), TASKS),
                            (N_("recipes (goodfit train --recipe NAME):"), RECIPES)):
        typer.echo(_(title))
        for entry in registry:
            name = entry.name + (":PATH" if entry.takes_argument else "")
            typer.echo(f"  {name:<18} {entry.description}")


def evaluate(
    run: Path = typer.Argument(..., help="A run folder."),
    split: str = typer.Option("valid", "--split", help="valid (default), train, or test (each use is recorded)."),
    data_root: str | None = opt.DataRoot,
) -> None:
    """Evaluate a trained run's best model on a split."""
    from goodfit.report.key_numbers import metric_label
    from goodfit.tasks import TASKS
    from goodfit.trained import evaluate_run

    stats = evaluate_run(run, split=split, data_root=data_root)
    shown = [k for k in TASKS.create(stats["task"]).summary if k in stats]
    typer.echo(f"{split}: " + " | ".join(f"{metric_label(k)} {stats[k]:.4f}" for k in shown))
    if split == "test" and stats["test_evaluations"] > 1:
        typer.echo(_("warning: the test set of this run has now been evaluated {n} times; choosing anything by "
                     "these numbers makes them optimistic").format(n=stats["test_evaluations"]), err=True)


def predict(
    run: Path = typer.Argument(..., help="A run folder."),
    files: list[Path] = typer.Argument(..., help="Image files (PNG, JPEG, ...), or CSV files for a table model."),
    top_k: int = typer.Option(5, "--top-k", "-k", help="How many classes to show."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the output images of a denoising or "
                                    "reconstruction model."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Predict with a trained run: top classes, a value, or an output image per input."""
    from goodfit.predict import predict_files

    results = predict_files(run, files, top_k=top_k, out_dir=out)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
        return
    for res in results:
        where = _("{file} row {row}").format(file=res["file"], row=res["row"]) if "row" in res else res["file"]
        if "top" in res:
            answer = ", ".join(f"{c['class']} {c['probability']:.3f}" for c in res["top"])
        elif "value" in res:
            answer = ", ".join(f"{v:.4g}" for v in res["value"])
        else:
            answer = _("wrote {path}").format(path=res["output"])
        typer.echo(f"{where}: {answer}")


def report(run: Path = typer.Argument(..., help="A run folder.")) -> None:
    """(Re)write a run's report.html from its files."""
    from goodfit.report import write_report
    from goodfit.run import RunDir

    with RunDir.open(run).lock() as opened:  # not while a training writes it; clears a killed write's temp file
        typer.echo(f"report: {write_report(opened.path)}")


def register(app: typer.Typer) -> None:
    app.command()(explore)
    app.command(name="list")(list_)
    app.command()(evaluate)
    app.command()(predict)
    app.command()(report)
