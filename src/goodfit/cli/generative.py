"""``goodfit train-generative`` and ``goodfit generate``: parse, call :mod:`goodfit.generative`, print.

"""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli.options import DataRoot, Progress
from goodfit.cli.training import echo_run_end, echo_status, start_or_resume
from goodfit.i18n import _

__all__ = ["register"]


def train_generative(
    overrides: list[str] = typer.Argument(None, help="Overrides such as model.name=gan model.latent=2 "
                                          "data.name=mnist train.epochs=10."),
    run_dir: Path | None = typer.Option(None, "--run-dir", help="Exact run folder (must not exist)."),
    resume: Path | None = typer.Option(None, "--resume", help="Continue an interrupted run from its last checkpoint."),
    show_config: bool = typer.Option(False, "--show-config", help="Print the resolved config as YAML and exit."),
    progress: str = Progress,
) -> None:
    """Train a VAE or a GAN (goodfit.generative) and write its report: test ELBO, Fréchet distance, modes."""
    from goodfit.generative import GenConfig, fit_generative

    result = start_or_resume(fit_generative, GenConfig, overrides, run_dir=run_dir, resume=resume,
                             show_config=show_config, progress=progress)
    if result is None:
        return
    m = result.metrics
    echo_status(m)
    if "test" in m:
        typer.echo(_("test -ELBO {elbo:.2f} nats/image (reconstruction {recon:.2f}, KL {kl:.2f})").format(
            elbo=m["test"]["neg_elbo"], recon=m["test"]["recon"], kl=m["test"]["kl"]))
    if "quality" in m:
        q = m["quality"]
        typer.echo(_("Fréchet distance (classifier features, not FID) {distance:.3f} (train vs test: "
                     "{reference:.3f}); classes covered {covered}/{n_classes}").format(
            distance=q["frechet_distance"], reference=q["frechet_distance_train_vs_test"],
            covered=q["mode_coverage"]["covered"], n_classes=q["mode_coverage"]["n_classes"]))
    echo_run_end(result)


def generate(
    run: Path = typer.Argument(..., help="A run folder made by goodfit train-generative."),
    n: int = typer.Option(64, "--n", "-n", min=1, help="Number of samples in the grid."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Seed of the prior samples."),
    interpolate: bool = typer.Option(False, "--interpolate", help="Also interpolate between two test images."),
    pair: str | None = typer.Option(None, "--pair", help="Test positions to interpolate between, e.g. 3,17."),
    steps: int = typer.Option(10, "--steps", min=1, help="Images along the interpolation."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the PNGs (default RUN/generated)."),
    data_root: str | None = DataRoot,
) -> None:
    """Write a sample grid PNG (and an interpolation; for a 2-D latent, the latent scatter and manifold)."""
    from goodfit.errors import ConfigError
    from goodfit.generative import generate as run_generate

    chosen = None
    if pair:
        try:
            a, b = (int(x) for x in pair.split(","))
        except ValueError:
            raise ConfigError(f"--pair must be two test positions such as 3,17; got {pair!r}") from None
        chosen = (a, b)
    written = run_generate(run, n=n, seed=seed, interpolate=interpolate or chosen is not None, steps=steps,
                           pair=chosen, out=out, data_root=data_root)
    for kind, path in written.items():
        typer.echo(f"{kind}: {path}")


def register(app: typer.Typer) -> None:
    app.command("train-generative")(train_generative)
    app.command("generate")(generate)
