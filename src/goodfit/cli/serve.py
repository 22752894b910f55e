"""``goodfit serve``: the draw-a-digit web page for a trained run (:mod:`goodfit.serve`)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def serve(
    run: Path = typer.Argument(..., help="A run folder of an image classifier."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port, printed)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes (each about one CPU core)."),
    backend: str = typer.Option("torch", "--backend", help="torch, or onnx: onnxruntime on RUN/export/model.onnx "
                                "(exported first if missing)."),
) -> None:
    """Serve a draw-a-digit web page with live top-5 predictions of a trained run."""
    from goodfit.serve import serve as run_server

    run_server(run, host=host, port=port, workers=workers, backend=backend)


def register(app: typer.Typer) -> None:
    app.command()(serve)
