"""``goodfit analog ...``: the analog-hardware experiments. Parse, call :mod:`goodfit.analog`, print.

Heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli.options import DataRoot, Progress
from goodfit.i18n import _

__all__ = ["register"]

app = typer.Typer(help="Hardware-aware training on a mock BrainScaleS-2 analog chip (docs/analog.md).",
                  no_args_is_help=True)
AnalogOverrides = typer.Argument(None, help="Overrides for every run, e.g. model.analog.noise=1 train.device=cuda.")


@app.command("compare")
def analog_compare(
    overrides: list[str] = AnalogOverrides,
    dataset: str = typer.Option("mnist", "--dataset", "-d", help="Data set for both models."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Seeds 0..N-1, each trains both models."),
    epochs: int | None = typer.Option(None, "--epochs", "-e", min=1, help="Epochs per run (default 8)."),
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the analog-compare-<time> folder goes."),
    data_root: str | None = DataRoot,
    progress: str = Progress,
) -> None:
    """Float MLP vs analog-mlp (784-256-256-10), same budget, several seeds: test accuracy mean ± std."""
    from goodfit.analog.experiments import DEFAULT_EPOCHS, compare

    result = compare(dataset=dataset, seeds=tuple(range(seeds)), epochs=epochs or DEFAULT_EPOCHS, out_dir=out_dir,
                     data_root=data_root, overrides=overrides or [], progress=progress)
    for model, s in result.summary.items():
        accuracy = f"{100 * s['mean']:.2f} ± {100 * s['std']:.2f} %"  # "% o..." in a message reads as %o to Babel
        typer.echo(_("{model:<11} test accuracy {accuracy} over {n} seeds ({seconds:.1f} s training per run)").format(
            model=model, accuracy=accuracy, n=s["n"], seconds=s["train_time_s"]))
    typer.echo(f"results: {result.path / 'results.json'}")
    typer.echo(f"report: {result.path / 'compare.html'}")


@app.command("robustness")
def analog_robustness(
    overrides: list[str] = AnalogOverrides,
    dataset: str = typer.Option("mnist", "--dataset", "-d", help="Data set."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Seed of both trainings."),
    train_noise: float = typer.Option(2.0, "--train-noise", min=0,
                                       help="Read-out noise std of the noise-aware training."),
    epochs: int | None = typer.Option(None, "--epochs", "-e", min=1, help="Epochs per training (default 8)."),
    repeats: int = typer.Option(3, "--repeats", min=1, help="Noise / mismatch draws per noisy point."),
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the analog-robustness-<time> folder goes."),
    data_root: str | None = DataRoot,
    progress: str = Progress,
) -> None:
    """Accuracy vs read-out noise, weight bits, input bits and gain mismatch, trained with and without noise."""
    from goodfit.analog.experiments import DEFAULT_EPOCHS, robustness

    result = robustness(dataset=dataset, epochs=epochs or DEFAULT_EPOCHS, seed=seed, train_noise=train_noise,
                        out_dir=out_dir, data_root=data_root, repeats=repeats, overrides=overrides or [],
                        progress=progress)
    for label, acc in result.nominal.items():
        typer.echo(_("{label}: test accuracy {accuracy} on the nominal chip").format(label=label,
                                                                                     accuracy=f"{100 * acc:.2f} %"))
    typer.echo(f"results: {result.path / 'results.json'}")
    typer.echo(f"report: {result.path / 'robustness.html'}")


@app.command("export")
def analog_export(
    run: Path = typer.Argument(..., help="A run folder of model.name=analog-mlp."),
    out: Path | None = typer.Option(None, "--out", help="Export folder (default RUN/analog-export; must not exist)."),
    data_root: str | None = DataRoot,
) -> None:
    """Integer weights and activation ranges (.npz + JSON), checked against an integer-only numpy forward."""
    from goodfit.analog.export import export_run

    result = export_run(run, out=out, data_root=data_root)
    text = (_("integer re-implementation: {equal}/{n} predictions equal, logits identical") if result.logits_equal
            else _("integer re-implementation: {equal}/{n} predictions equal, logits DIFFERENT"))
    typer.echo(text.format(equal=result.predictions_equal, n=result.n_checked))
    typer.echo(f"export: {result.path}")
    if not result.exact:
        raise typer.Exit(1)


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="analog")
