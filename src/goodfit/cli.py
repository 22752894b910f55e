"""The ``goodfit`` command line: parse, call the library, print. No logic lives here.

Imports of torch and friends happen inside the commands, so ``goodfit --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from goodfit.cli_options import DataRoot, Progress
from goodfit.errors import GoodfitError

app = typer.Typer(
    name="goodfit",
    help="The deep-learning course workflow, ready-made: explore → train → evaluate → report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEMO_OVERRIDES = (
    "name=demo",
    "data.name=mnist-5k",
    "data.augment=shift",
    "optim.schedule=onecycle",
    "train.epochs=30",
)


def _echo_result(result) -> None:
    if result.rank:  # data parallel under srun/torchrun: rank 0 prints for every process
        return
    m = result.metrics
    typer.echo(f"status: {m['status']} ({m.get('stop_reason') or m.get('message')})")
    if "test" in m:
        t, b = m["test"], m["baselines"]
        typer.echo(
            f"test accuracy {t['accuracy']:.4f} | macro F1 {t['f1_macro']:.4f} | loss {t['loss']:.4f} "
            f"(baselines: majority {b['majority']['accuracy']:.4f}, untrained {b['untrained']['accuracy']:.4f})"
        )
    for f in result.findings:
        if f.severity != "info" or f.id in ("not-converged", "noisy", "healthy"):
            typer.echo(f"finding: {f}")
    report = Path(result.run_dir) / "report.html"
    typer.echo(f"run: {result.run_dir}")
    if report.is_file():
        typer.echo(f"report: {report}")
    if m["status"] != "completed":
        typer.echo(f"error: {m['message']}", err=True)
        raise typer.Exit(130 if m["status"] == "interrupted" else 1)


def _build_config(config: Path | None, overrides: list[str], **shortcuts: str | None):
    from goodfit.config import Config, apply_overrides, load_config

    cfg = load_config(config) if config else Config()
    extra = [f"{key}={value}" for key, value in shortcuts.items() if value is not None]
    return apply_overrides(cfg, [*extra, *overrides])


@app.command()
def demo(
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the run folder is created."),
    progress: str = Progress,
) -> None:
    """Train the course MLP (784-64-64-64-10) on the embedded mnist-5k digits and write a report."""
    from goodfit.config import Config, apply_overrides
    from goodfit.experiment import fit

    cfg = apply_overrides(Config(), [*DEMO_OVERRIDES, f"out_dir={out_dir}"])
    _echo_result(fit(cfg, progress=progress))


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
def train(
    overrides: list[str] = typer.Argument(None, help="Config overrides such as optim.lr=3e-3 model.hidden=128,64."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config file (a run's config.yaml works)."),
    dataset: str | None = typer.Option(None, "--dataset", "-d", help="Shortcut for data.name."),
    model: str | None = typer.Option(None, "--model", "-m", help="Shortcut for model.name."),
    epochs: int | None = typer.Option(None, "--epochs", "-e", help="Shortcut for train.epochs."),
    data_root: str | None = DataRoot,
    run_dir: Path | None = typer.Option(None, "--run-dir", help="Exact run folder (must not exist)."),
    resume: Path | None = typer.Option(None, "--resume", help="Continue an interrupted run from its last checkpoint."),
    show_config: bool = typer.Option(False, "--show-config", help="Print the resolved config as YAML and exit."),
    no_check: bool = typer.Option(False, "--no-check", help="Skip the pitfall lint (train.check=false)."),
    sanity: bool = typer.Option(False, "--sanity", help="Overfit one batch first; stop if that fails."),
    seeds: int = typer.Option(1, "--seeds", help="Repeat with N seeds and report mean ± std."),
    folds: int = typer.Option(0, "--folds", help="Stratified k-fold cross-validation on train (test untouched)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Parallel processes for --seeds / --folds."),
    nproc: int | None = typer.Option(None, "--nproc", help="Data-parallel processes, train.nproc "
                                     "(torch.distributed; docs/distributed.md)."),
    progress: str = Progress,
) -> None:
    """Train a model: goodfit train --dataset mnist --model mlp --epochs 10 optim.lr=3e-3."""
    from goodfit.config import dump_config
    from goodfit.experiment import fit

    if resume is not None:
        if overrides or config or dataset or model or epochs or nproc:
            raise GoodfitError("--resume continues a run with its saved config; drop the other options")
        _echo_result(fit(None, resume=resume, progress=progress))  # type: ignore[arg-type]
        return
    shortcuts = {"data.name": dataset, "model.name": model, "train.epochs": epochs, "data.root": data_root,
                 "train.nproc": nproc, "train.check": "false" if no_check else None}
    cfg = _build_config(config, overrides or [], **shortcuts)
    if show_config:
        typer.echo(dump_config(cfg), nl=False)
        return
    if sanity:
        _run_sanity(cfg, steps=200, batch_size=32)
    if seeds > 1 or folds:
        _run_study(cfg, seeds=seeds, folds=folds, jobs=jobs)
        return
    _echo_result(fit(cfg, run_dir=run_dir, progress=progress))


def _run_study(cfg, *, seeds: int, folds: int, jobs: int) -> None:
    from goodfit.report.study import fmt_mean_std
    from goodfit.robust import run_folds, run_seeds

    if seeds > 1 and folds:
        raise GoodfitError("use either --seeds or --folds, not both")
    result = run_folds(cfg, folds, jobs=jobs) if folds else run_seeds(cfg, seeds, jobs=jobs)
    for name, stats in result.summary.items():
        typer.echo(f"{name:<18} {fmt_mean_std(stats, pct='loss' not in name)}  (n={stats['n']})")
    typer.echo(f"study: {result.study_dir}")
    typer.echo(f"report: {result.study_dir / 'report.html'}")


@app.command()
def regularize(
    overrides: list[str] = typer.Argument(None, help="Overrides of the experiment's base config."),
    seeds: int = typer.Option(3, "--seeds", help="Seeds per variant."),
    variants: str | None = typer.Option(None, "--variants", help="Comma-separated subset, e.g. none,l2,dropout."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Parallel processes."),
) -> None:
    """Compare none / L1 / L2 / dropout / batch norm / augmentation / early stopping over seeds."""
    from goodfit.regularize import regularize as run_regularize
    from goodfit.regularize import regularize_config
    from goodfit.report.regularize import format_table

    chosen = [v.strip() for v in variants.split(",")] if variants else None
    result = run_regularize(regularize_config(overrides or []), seeds=seeds, variants=chosen, jobs=jobs)
    typer.echo(f"{'variant':<15} {'train acc':<17} {'valid acc':<17} {'test acc':<17} {'gap':<17} valid vs none")
    for row in format_table(result.table):
        typer.echo(" ".join(f"{cell:<17}" if i else f"{cell:<15}" for i, cell in enumerate(row)).rstrip())
    typer.echo(f"report: {result.study_dir / 'report.html'}")


def _run_sanity(cfg, *, steps: int, batch_size: int) -> None:
    from goodfit.checks import sanity_config

    result = sanity_config(cfg, steps=steps, batch_size=batch_size)
    for f in result.findings:
        typer.echo(f"sanity: {f}")
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def check(
    target: list[str] = typer.Argument(None, help="A run folder, or config overrides such as model.name=convnet."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config file."),
    dataset: str | None = typer.Option(None, "--dataset", "-d", help="Shortcut for data.name."),
    model: str | None = typer.Option(None, "--model", "-m", help="Shortcut for model.name."),
    data_root: str | None = DataRoot,
) -> None:
    """Lint an experiment for the course's classic pitfalls (exit 1 on errors)."""
    from goodfit.checks import lint_config, lint_run

    target = target or []
    if len(target) == 1 and "=" not in target[0] and Path(target[0]).is_dir():
        findings = lint_run(target[0])
    else:
        cfg = _build_config(config, target, **{"data.name": dataset, "model.name": model, "data.root": data_root})
        findings = lint_config(cfg)
    for f in findings:
        typer.echo(str(f))
    errors = sum(f.severity == "error" for f in findings)
    typer.echo(f"{len(findings)} finding(s), {errors} error(s)" if findings else "no pitfalls found")
    if errors:
        raise typer.Exit(1)


@app.command(name="sanity")
def sanity_cmd(
    overrides: list[str] = typer.Argument(None, help="Config overrides such as optim.lr=1e-2."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config file."),
    dataset: str | None = typer.Option(None, "--dataset", "-d", help="Shortcut for data.name."),
    model: str | None = typer.Option(None, "--model", "-m", help="Shortcut for model.name."),
    steps: int = typer.Option(200, "--steps", help="Optimizer steps on the one batch."),
    batch_size: int = typer.Option(32, "--batch-size", help="Size of the one batch."),
    data_root: str | None = DataRoot,
) -> None:
    """Overfit one batch on purpose: a healthy setup reaches ~100 % batch accuracy (exit 1 if not)."""
    cfg = _build_config(config, overrides or [], **{"data.name": dataset, "model.name": model, "data.root": data_root})
    _run_sanity(cfg, steps=steps, batch_size=batch_size)


@app.command()
def evaluate(
    run: Path = typer.Argument(..., help="A run folder."),
    split: str = typer.Option("valid", "--split", help="valid (default), train, or test (each use is recorded)."),
    data_root: str | None = DataRoot,
) -> None:
    """Evaluate a trained run's best model on a split."""
    from goodfit.experiment import evaluate_run

    stats = evaluate_run(run, split=split, data_root=data_root)
    typer.echo(f"{split}: accuracy {stats['accuracy']:.4f} | macro F1 {stats['f1_macro']:.4f} "
               f"| loss {stats['loss']:.4f}")
    if split == "test" and stats["test_evaluations"] > 1:
        typer.echo(
            f"warning: the test set of this run has now been evaluated {stats['test_evaluations']} times; "
            "choosing anything by these numbers makes them optimistic",
            err=True,
        )


@app.command()
def predict(
    run: Path = typer.Argument(..., help="A run folder."),
    images: list[Path] = typer.Argument(..., help="Image files (PNG, JPEG, ...)."),
    top_k: int = typer.Option(5, "--top-k", "-k", help="How many classes to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Predict the classes of image files with a trained run."""
    from goodfit.predict import predict_files

    results = predict_files(run, images, top_k=top_k)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
        return
    for res in results:
        ranked = ", ".join(f"{c['class']} {c['probability']:.3f}" for c in res["top"])
        typer.echo(f"{res['file']}: {ranked}")


@app.command()
def serve(
    run: Path = typer.Argument(..., help="A run folder of an image classifier."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port, printed)."),
    workers: int = typer.Option(1, "--workers", help="Server processes (each about one CPU core)."),
) -> None:
    """Serve a draw-a-digit web page with live top-5 predictions of a trained run."""
    from goodfit.serve import serve as run_server

    run_server(run, host=host, port=port, workers=workers)


@app.command()
def explore(
    dataset: str = typer.Argument(..., help="A data set name (see goodfit list)."),
    data_root: str | None = DataRoot,
    out: Path = typer.Option(Path("runs/explore"), "--out", help="Folder for samples.png and explore.html."),
) -> None:
    """Look at a data set first: shapes, ranges, class balance, duplicates, suggested scaling."""
    from goodfit.data.explore import explore as run_explore

    result = run_explore(dataset, root=data_root, out_dir=out / dataset.replace("/", "_").replace(":", "_"))
    typer.echo(result.summary())


@app.command()
def report(run: Path = typer.Argument(..., help="A run folder.")) -> None:
    """(Re)write a run's report.html from its files."""
    from goodfit.report import write_report
    from goodfit.run import RunDir

    typer.echo(f"report: {write_report(RunDir.open(run).path)}")


@app.command(name="list")
def list_() -> None:
    """List the registered data sets and models."""
    from goodfit.data import DATASETS
    from goodfit.models import MODELS

    for title, registry in (("data sets", DATASETS), ("models", MODELS)):
        typer.echo(f"{title}:")
        for entry in registry:
            name = entry.name + (":PATH" if entry.takes_argument else "")
            typer.echo(f"  {name:<18} {entry.description}")


from goodfit import cli_search, cli_slurm  # noqa: E402  (goodfit search / goodfit slurm: own modules)

cli_search.register(app)
cli_slurm.register(app)


from goodfit.cli_analog import app as analog_app  # noqa: E402  (issue #8: analog hardware)
from goodfit.cli_anomaly import app as anomaly_app  # noqa: E402  (issue #6: generative models, anomalies)
from goodfit.cli_generative import register as register_generative  # noqa: E402

app.add_typer(analog_app, name="analog")
app.add_typer(anomaly_app, name="anomaly")
register_generative(app)


def _click_exceptions() -> tuple[type, ...]:
    """ClickException as this Typer raises it: click's own, or the copy newer Typers vendor."""
    return tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def main() -> None:
    """Console entry point: user errors print one line and exit 2 (file-system errors: 1); Ctrl-C exits 130."""
    try:
        code = app(standalone_mode=False)  # returns the exit code of a typer.Exit
    except GoodfitError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a folder that cannot be made, a read-only place, a full disk
        where = f": {exc.filename}" if exc.filename else ""
        typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except Exception as exc:  # usage errors: an unknown option, a missing argument
        if isinstance(exc, _click_exceptions()):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
