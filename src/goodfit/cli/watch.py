"""``goodfit watch SCRIPT [ARGS...]``: run your own PyTorch training script under goodfit's checks."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def watch(
    ctx: typer.Context,
    script: Path = typer.Argument(..., help="Your training script; every argument after it is passed to it."),
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the watch-<script>-<time> folder goes."),
    steps: int = typer.Option(50, "--steps", min=1, help="Optimizer steps whose losses are followed closely."),
) -> None:
    """Run a training script unchanged and check what it does: model, loss, optimizer, data, evaluation."""
    from goodfit.cli.quick import run_watch

    raise typer.Exit(run_watch(script, list(ctx.args), out_dir, steps))


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                  "allow_interspersed_args": False})(watch)
