"""``goodfit denoise ...``: train a speech denoiser, apply it to sound files, compare it with the baselines.

``goodfit denoise RUN IN.wav -o OUT.wav`` is short for ``goodfit denoise apply RUN IN.wav -o OUT.wav``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

from goodfit.cli.options import Progress, RunDir
from goodfit.cli.training import echo_run_end, echo_status, start_or_resume
from goodfit.i18n import _

__all__ = ["register", "app"]


class _ApplyByDefault(TyperGroup):
    """A first argument that is not a sub-command is a run folder: ``apply`` is meant."""

    def parse_args(self, ctx, args):  # noqa: ANN001, ANN201 (click's signature)
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["apply", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_ApplyByDefault, no_args_is_help=True,
                  help="Speech denoising: train a mask network on noisy speech, denoise files, compare with baselines.")


@app.command("train")
def train(
    overrides: list[str] = typer.Argument(None, help="Overrides such as train.epochs=10 data.noises=white,babble "
                                          "model.name=mask-conv."),
    run_dir: Path | None = RunDir,
    resume: Path | None = typer.Option(None, "--resume", help="Continue an interrupted run from its last checkpoint."),
    show_config: bool = typer.Option(False, "--show-config", help="Print the resolved config as YAML and exit."),
    progress: str = Progress,
) -> None:
    """Train a denoiser on noisy mixtures of the training speakers; compare it on unseen test speakers."""
    from goodfit.denoise import DenoiseConfig, fit_denoiser

    result = start_or_resume(fit_denoiser, DenoiseConfig, overrides, run_dir=run_dir, resume=resume,
                             show_config=show_config, progress=progress)
    if result is None:
        return
    m = result.metrics
    echo_status(m)
    if "test" in m:
        _echo_summary(m["test"])
    echo_run_end(result)


def _echo_summary(test: dict) -> None:
    from goodfit.denoise.report import METHOD_NAMES

    at0 = test["summary"].get("0")
    if at0 is None:
        return
    typer.echo(_("at 0 dB input SNR (mean over the noise kinds):"))
    for name, v in at0.items():
        typer.echo(_("  {method:16s} SI-SDR {si:6.2f} dB ({gain:+.2f})  PESQ {pesq:.2f}  STOI {stoi:.3f}").format(
            method=_(METHOD_NAMES.get(name, name)), si=v["si_sdr"], gain=v["si_sdri"], pesq=v["pesq"], stoi=v["stoi"]))


@app.command("apply")
def apply(
    run: Path = typer.Argument(..., help="A run folder made by goodfit denoise train."),
    source: Path = typer.Argument(..., help="The noisy sound file (WAV, FLAC, OGG; any rate, any length)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where the denoised file goes (.wav, .flac or .ogg)."),
    chunk_s: float = typer.Option(10.0, "--chunk", min=0.1, help="Seconds per chunk (long files stream through)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it exists."),
) -> None:
    """Denoise one sound file, at its own sample rate."""
    from goodfit.denoise.enhance import enhance_file

    typer.echo(f"denoised: {enhance_file(run, source, out, chunk_s=chunk_s, overwrite=overwrite)}")


@app.command("compare")
def compare(
    run: Path = typer.Argument(..., help="A run folder made by goodfit denoise train."),
) -> None:
    """The run's table: each method at each noise kind and SNR (SI-SDR improvement, PESQ, STOI)."""
    from goodfit.denoise.report import METHOD_NAMES
    from goodfit.errors import RunDirError
    from goodfit.run import RunDir as Run

    rd = Run.open(run)
    test = rd.read_json("metrics.json").get("test") if (rd.path / "metrics.json").is_file() else None
    if not test:
        raise RunDirError(f"{rd.path} has no test table; it is made when goodfit denoise train completes")
    methods = test["methods"]
    index = {(c["noise"], c["snr_db"], c["method"]): c for c in test["cells"]}
    typer.echo(f"{'noise':8s} {'SNR':>5s}  " + "  ".join(f"{_(METHOD_NAMES.get(m, m)):>20s}" for m in methods))
    for noise in test["noises"]:
        for snr in test["snrs"]:
            cells = [index[(noise, snr, m)] for m in methods]
            typer.echo(f"{noise:8s} {snr:5g}  " + "  ".join(
                f"{c['si_sdri']['mean']:+6.1f} dB {c['pesq']['mean']:4.2f} {c['stoi']['mean']:5.3f}" for c in cells))
    typer.echo(_("columns: SI-SDR improvement, PESQ, STOI (means over {n} clips per cell)").format(
        n=test["n_clips"] // max(1, len(test["noises"]) * len(test["snrs"]))))
    _echo_summary(test)


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="denoise")
