"""What the commands that train an app's own kind of run share (``train-generative``, ``denoise train``):
start a run from overrides or continue one with ``--resume``, and the lines that end such a command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from goodfit.i18n import _

__all__ = ["start_or_resume", "echo_status", "echo_run_end"]


def start_or_resume(fit: Callable[..., Any], cls: type, overrides: list[str] | None, *, run_dir: Path | None,
                    resume: Path | None, show_config: bool, progress: str) -> Any:
    """``fit(config, ...)`` for the config ``cls`` with ``overrides``, or ``fit(None, resume=RUN)``; None
    when ``show_config`` printed the config instead."""
    from goodfit.config import build_config, dump_config
    from goodfit.errors import GoodfitError

    if resume is not None:
        if overrides or run_dir or show_config:
            raise GoodfitError("--resume continues a run with its saved config; drop the other options")
        return fit(None, resume=resume, progress=progress)
    cfg = build_config(None, overrides or [], cls=cls)
    if show_config:
        typer.echo(dump_config(cfg), nl=False)
        return None
    return fit(cfg, run_dir=run_dir, progress=progress)


def echo_status(metrics: dict[str, Any]) -> None:
    """The machine-read first line: ``status: completed (why it stopped)``, in English."""
    typer.echo(f"status: {metrics['status']} ({metrics.get('stop_reason') or metrics.get('message')})")


def echo_run_end(result: Any) -> None:
    """``run:`` and ``report:`` lines; a run that did not complete exits 1 (130 when interrupted)."""
    m = result.metrics
    typer.echo(f"run: {result.run_dir}")
    if (result.run_dir / "report.html").is_file():
        typer.echo(f"report: {result.run_dir / 'report.html'}")
    if m["status"] != "completed":
        typer.echo(_("error: {message}").format(message=m["message"]), err=True)
        raise typer.Exit(130 if m["status"] == "interrupted" else 1)
