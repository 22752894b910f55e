"""``goodfit watch SCRIPT [ARGS...]``: run your own PyTorch training script under goodfit's checks."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli.quick import OUT_DIR, STEPS, run_watch

__all__ = ["register"]


def watch(
    ctx: typer.Context,
    script: Path = typer.Argument(..., help="Your training script; every argument after it is passed to it."),
    out_dir: Path = typer.Option(Path(OUT_DIR), "--out-dir", help="Where the watch-<script>-<time> folder goes."),
    steps: int = typer.Option(STEPS, "--steps", min=1, help="Optimizer steps whose losses are followed closely."),
) -> None:
    """Run a training script unchanged and check what it does: model, loss, optimizer, data, evaluation."""
    raise typer.Exit(run_watch(script, list(ctx.args), out_dir, steps))


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                  "allow_interspersed_args": False})(watch)
