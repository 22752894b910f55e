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
    from goodfit.findings import tally
    from goodfit.watch import run_script

    result = run_script(script, list(ctx.args), out_dir=out_dir, steps=steps)
    # "findings: PATH" stays English in every language: scripts and tests read the path after it
    typer.echo(f"goodfit watch: {tally(result.findings)}; findings: {result.folder / 'findings.json'}", err=True)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                  "allow_interspersed_args": False})(watch)
