"""The course workflow's commands: ``demo``, ``train``, ``check``, ``sanity``, ``regularize``."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli import options as opt
from goodfit.errors import GoodfitError
from goodfit.i18n import N_, _

__all__ = ["register", "echo_fit_result"]

DEMO_OVERRIDES = (
    "name=demo",
    "data.name=mnist-5k",
    "data.augment=shift",
    "optim.schedule=onecycle",
    "train.epochs=30",
)
# the no-skill baseline each task's test line compares with
BASELINE_WORDS = {"classification": N_("majority"), "binary": N_("no skill"), "regression": N_("mean"),
                  "reconstruction": N_("mean image"), "denoising": N_("noisy input")}


def echo_fit_result(result) -> None:
    """Print a finished run: how it ended, its test numbers against the baselines, findings, files."""
    if result.rank:  # data parallel under srun/torchrun: rank 0 prints for every process
        return
    m = result.metrics
    typer.echo(f"status: {m['status']} ({m.get('stop_reason') or m.get('message')})")  # machine-read: English
    if "test" in m:
        typer.echo(test_line(m))
    for f in result.findings:
        if f.severity != "info" or f.id in ("not-converged", "noisy", "healthy"):
            typer.echo(_("finding: {finding}").format(finding=f))
    report = Path(result.run_dir) / "report.html"
    typer.echo(f"run: {result.run_dir}")
    if report.is_file():
        typer.echo(f"report: {report}")
    if m["status"] != "completed":
        typer.echo(_("error: {message}").format(message=m["message"]), err=True)
        raise typer.Exit(130 if m["status"] == "interrupted" else 1)


def test_line(m: dict) -> str:
    """``test accuracy 0.9600 | f1_macro 0.9600 | loss 0.1563 (baselines: majority 0.1000, untrained 0.0810)``:
    the task's metrics, its score first, against the no-skill and the untrained model's score."""
    from goodfit.report.key_numbers import metric_label, no_skill
    from goodfit.tasks import TASKS

    task = m.get("task", "classification")
    t, b, score = m["test"], m.get("baselines") or {}, m.get("score", "accuracy")
    shown = " | ".join(f"{metric_label(k)} {t[k]:.4f}" for k in TASKS.create(task).summary if k in t)
    base = _(BASELINE_WORDS[task]) if task in BASELINE_WORDS else _("baseline")
    floor, untrained = no_skill(task, b).get(score), (b.get("untrained") or {}).get(score)
    if floor is None or untrained is None:
        return _("test {metrics}").format(metrics=shown)
    return _("test {metrics} (baselines: {baseline} {floor:.4f}, untrained {untrained:.4f})").format(
        metrics=shown, baseline=base, floor=floor, untrained=untrained)


def demo(
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the run folder is created."),
    progress: str = opt.Progress,
) -> None:
    """Train the course MLP (784-64-64-64-10) on the embedded mnist-5k digits and write a report."""
    from goodfit.config import build_config
    from goodfit.experiment import fit

    echo_fit_result(fit(build_config(None, [*DEMO_OVERRIDES, f"out_dir={out_dir}"]), progress=progress))


def train(
    overrides: list[str] = opt.Overrides,
    config: Path | None = opt.ConfigFile,
    recipe: str | None = opt.Recipe,
    dataset: str | None = opt.Dataset,
    model: str | None = opt.Model,
    epochs: int | None = typer.Option(None, "--epochs", "-e", min=1, help="Shortcut for train.epochs."),
    data_root: str | None = opt.DataRoot,
    run_dir: Path | None = opt.RunDir,
    resume: Path | None = typer.Option(None, "--resume", help="Continue an interrupted run from its last checkpoint."),
    show_config: bool = typer.Option(False, "--show-config", help="Print the resolved config as YAML and exit."),
    no_check: bool = typer.Option(False, "--no-check", help="Skip the pitfall lint (train.check=false)."),
    sanity: bool = typer.Option(False, "--sanity", help="Overfit one batch first; stop if that fails."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Repeat with N seeds and report mean ± std."),
    folds: int = typer.Option(0, "--folds", min=0,
                              help="Stratified k-fold cross-validation on train (test untouched)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Parallel processes for --seeds / --folds."),
    nproc: int | None = typer.Option(None, "--nproc", min=1, help="Data-parallel processes, train.nproc "
                                     "(torch.distributed; docs/distributed.md)."),
    progress: str = opt.Progress,
) -> None:
    """Train a model: goodfit train --dataset mnist --model mlp --epochs 10 optim.lr=3e-3."""
    from goodfit.config import build_config, dump_config
    from goodfit.launch.ddp import run_fit

    if resume is not None:
        if overrides or config or recipe or dataset or model or epochs or nproc:
            raise GoodfitError("--resume continues a run with its saved config; drop the other options")
        echo_fit_result(run_fit(None, resume=resume, progress=progress))
        return
    shortcuts = {"data.name": dataset, "model.name": model, "train.epochs": epochs, "data.root": data_root,
                 "train.nproc": nproc, "train.check": False if no_check else None}
    cfg = build_config(config, overrides or [], shortcuts=shortcuts, recipe=recipe)
    if show_config:
        typer.echo(dump_config(cfg), nl=False)
        return
    if sanity:
        _run_sanity(cfg, steps=200, batch_size=32)
    if seeds > 1 or folds:
        _run_study(cfg, seeds=seeds, folds=folds, jobs=jobs)
        return
    echo_fit_result(run_fit(cfg, run_dir=run_dir, progress=progress))


def _run_study(cfg, *, seeds: int, folds: int, jobs: int) -> None:
    from goodfit.report.html import is_fraction
    from goodfit.report.study import fmt_mean_std
    from goodfit.robust import run_folds, run_seeds

    if seeds > 1 and folds:
        raise GoodfitError("use either --seeds or --folds, not both")
    result = run_folds(cfg, folds, jobs=jobs) if folds else run_seeds(cfg, seeds, jobs=jobs)
    for name, stats in result.summary.items():
        typer.echo(f"{name:<22} {fmt_mean_std(stats, pct=is_fraction(name))}  (n={stats['n']})")
    typer.echo(f"study: {result.study_dir}")
    typer.echo(f"report: {result.study_dir / 'report.html'}")


def regularize(
    overrides: list[str] = typer.Argument(None, help="Overrides of the experiment's base config."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Seeds per variant."),
    variants: str | None = typer.Option(None, "--variants", help="Comma-separated subset, e.g. none,l2,dropout."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Parallel processes."),
) -> None:
    """Compare none / L1 / L2 / dropout / batch norm / augmentation / early stopping over seeds."""
    from goodfit.regularize import regularize as run_regularize
    from goodfit.regularize import regularize_config
    from goodfit.report.regularize import format_table, table_headers

    chosen = [v.strip() for v in variants.split(",")] if variants else None
    result = run_regularize(regularize_config(overrides or []), seeds=seeds, variants=chosen, jobs=jobs)
    for row in [table_headers(result.table), *format_table(result.table)]:
        typer.echo(" ".join(f"{cell:<17}" if i else f"{cell:<15}" for i, cell in enumerate(row)).rstrip())
    typer.echo(f"report: {result.study_dir / 'report.html'}")


def _run_sanity(cfg, *, steps: int, batch_size: int) -> None:
    from goodfit.checks import sanity_config

    result = sanity_config(cfg, steps=steps, batch_size=batch_size)
    for f in result.findings:
        typer.echo(f"sanity: {f}")
    if not result.passed:
        raise typer.Exit(1)


def check(
    target: list[str] = typer.Argument(None, help="A run folder, or config overrides such as model.name=convnet."),
    config: Path | None = opt.ConfigFile,
    dataset: str | None = opt.Dataset,
    model: str | None = opt.Model,
    data_root: str | None = opt.DataRoot,
) -> None:
    """Lint an experiment for the course's classic pitfalls (exit 1 on errors)."""
    from goodfit.checks import lint_config, lint_run
    from goodfit.config import build_config
    from goodfit.findings import tally

    target = target or []
    if len(target) == 1 and "=" not in target[0] and Path(target[0]).is_dir():
        findings = lint_run(target[0])
    else:
        shortcuts = {"data.name": dataset, "model.name": model, "data.root": data_root}
        findings = lint_config(build_config(config, target, shortcuts=shortcuts))
    for f in findings:
        typer.echo(str(f))
    errors = sum(f.severity == "error" for f in findings)
    typer.echo(tally(findings) if findings else _("no pitfalls found"))
    if errors:
        raise typer.Exit(1)


def sanity(
    overrides: list[str] = typer.Argument(None, help="Config overrides such as optim.lr=1e-2."),
    config: Path | None = opt.ConfigFile,
    dataset: str | None = opt.Dataset,
    model: str | None = opt.Model,
    steps: int = typer.Option(200, "--steps", min=1, help="Optimizer steps on the one batch."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Size of the one batch."),
    data_root: str | None = opt.DataRoot,
) -> None:
    """Overfit one batch on purpose: a healthy setup reaches ~100 % batch accuracy (exit 1 if not)."""
    from goodfit.config import build_config

    shortcuts = {"data.name": dataset, "model.name": model, "data.root": data_root}
    _run_sanity(build_config(config, overrides or [], shortcuts=shortcuts), steps=steps, batch_size=batch_size)


def lr_find(
    overrides: list[str] = opt.Overrides,
    config: Path | None = opt.ConfigFile,
    dataset: str | None = opt.Dataset,
    model: str | None = opt.Model,
    data_root: str | None = opt.DataRoot,
    steps: int = typer.Option(200, "--steps", min=10, max=100_000, help="Training steps of the range test."),
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the lr-find-<time> folder goes."),
) -> None:
    """Find a learning rate: train briefly while it grows from 1e-7 to 10, read it off the loss curve."""
    from goodfit.config import build_config
    from goodfit.experiment.lr_find import find_lr, save_lr_find
    from goodfit.run import RunDir

    cfg = build_config(config, overrides or [], shortcuts={"data.name": dataset, "model.name": model,
                                                          "data.root": data_root})
    found = find_lr(cfg, steps=steps)
    folder = RunDir.create(out_dir, "lr-find").path
    save_lr_find(folder, found)
    others = ", ".join(f"{rule} {lr:.3g}" for rule, lr in found.alternatives.items() if rule != found.rule)
    typer.echo(_("suggested optim.lr={lr:.3g} ({rule} rule; also {others})").format(
        lr=found.suggestion, rule=found.rule, others=others))
    typer.echo(f"curve: {folder / 'plots' / 'lr_find.png'}")
    typer.echo(_("train with it: goodfit train ... optim.lr=find (or the value above)"))


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command(context_settings={"help_option_names": ["-h", "--help"]})(train)
    app.command()(check)
    app.command()(sanity)
    app.command()(regularize)
    app.command(name="lr-find")(lr_find)
