"""``goodfit export RUN --format onnx``: a trained model in a portable format, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.i18n import _

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
    typer.echo(_("wrote {path} ({mb:.2f} MB) and {metadata}").format(
        path=result.path, mb=result.path.stat().st_size / 1e6, metadata=result.metadata_path.name))
    typer.echo(_("parity on {n} test inputs: max |difference| {difference:.2e}, same predictions {same:.2%}").format(
        n=p["samples"], difference=p["max_abs_diff"], same=p["same_predictions"]))
    if p["same_predictions"] < 1.0:
        typer.echo(_("warning: the exported model disagrees with PyTorch on some inputs; see the metadata"), err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(export)
