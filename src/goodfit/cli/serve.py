"""``goodfit serve``: the draw-a-digit web page (:mod:`goodfit.serve`)."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli import options

__all__ = ["register"]


def serve(
    target: str = typer.Argument(None, metavar="RUN|CONFIG", show_default=False,
                                 help="A run folder of an image classifier, or a YAML config (none: the default "
                                      "config). KEY=VALUE words are config overrides."),
    overrides: list[str] = options.Overrides,
    watch: bool = typer.Option(False, "--watch", help="Follow the run as it trains, swapping in each new checkpoint; "
                               "a config (or none) is trained now, in a new run folder."),
    untrained: bool = typer.Option(False, "--untrained", help="Serve the freshly initialised model (of the run's "
                                   "config): the weights training starts from. The default without a run."),
    config: Path = options.ConfigFile,
    dataset: str = options.Dataset,
    model: str = options.Model,
    epochs: int = typer.Option(None, "--epochs", "-e", min=1, help="Shortcut for train.epochs (--watch)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port, printed)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes (each about one CPU core; a "
                                "finished run only)."),
    backend: str = typer.Option("torch", "--backend", help="torch, or onnx: onnxruntime on RUN/export/model.onnx "
                                "(exported first if missing)."),
) -> None:
    """Serve a draw-a-digit web page with live top-5 predictions: of a trained run, of an untrained
    model (goodfit serve -m mlp -d mnist), or of a run as it trains (goodfit serve --watch -d mnist -e 5)."""
    from goodfit.errors import ConfigError
    from goodfit.serve import serve as run_server

    words = [target] if target is not None else []
    words += list(overrides or [])
    paths = [w for w in words if "=" not in w or Path(w).exists()]
    if len(paths) > 1:
        raise ConfigError(f"serve takes one run folder or config file, got {', '.join(paths)}")
    if paths and config is not None:
        raise ConfigError(f"pass {paths[0]} or --config {config}, not both")
    shortcuts = {"data.name": dataset, "model.name": model, "train.epochs": epochs}
    extra = [f"{key}={value}" for key, value in shortcuts.items() if value is not None]
    extra += [w for w in words if w not in paths]
    source = paths[0] if paths else config
    run_server(source, watch=watch, untrained=untrained, overrides=extra, host=host, port=port, workers=workers,
               backend=backend)


def register(app: typer.Typer) -> None:
    app.command()(serve)
