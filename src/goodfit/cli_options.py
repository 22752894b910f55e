"""Typer options that several ``goodfit`` commands share, defined once (one flag, one help text)."""

from __future__ import annotations

import typer

__all__ = ["DataRoot", "Progress"]

DataRoot = typer.Option(None, "--data-root", help="Folder with data sets (else $GOODFIT_DATA, else the user cache).")
Progress = typer.Option("auto", "--progress", help="auto (bar on a terminal), bar, lines or quiet.")
