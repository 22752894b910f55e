"""``goodfit export RUN --format onnx``: a trained model in a portable format, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def export(
    run: Path = typer.Argument(..., help="A run folder (with checkpoints/best.pt)."),
    fmt: str = typer.Option("onnx", "--format", "-f", help="onnx (onnxruntime), torchscript or pt2 (torch.export)."),
    out: Path = typer.Option(None, "--out", help="Folder for the files (default: RUN/export)."),
    which: str = typer.Option("best", "--checkpoint", help="best or last."),
) -> None:
    """Export a trained model (ONNX, TorchScript, torch.export) and check it against PyTorch on the test inputs."""
    from goodfit.export import export_run

    if which not in ("best", "last"):
        raise typer.BadParameter("use best or last", param_hint="--checkpoint")
    result = export_run(run, fmt=fmt, out_dir=out, which=which)
    p = result.parity
    typer.echo(f"wrote {result.path} ({result.path.stat().st_size / 1e6:.2f} MB) and {result.metadata_path.name}")
    typer.echo(f"parity on {p['samples']} test inputs: max |difference| {p['max_abs_diff']:.2e}, "
               f"same predictions {p['same_predictions']:.2%}")
    if p["same_predictions"] < 1.0:
        typer.echo("warning: the exported model disagrees with PyTorch on some inputs; see the metadata", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(export)
