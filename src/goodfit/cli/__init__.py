"""The ``goodfit`` command line: parse, call the library, print. No logic lives here.

:func:`main` is the console entry point. ``goodfit watch SCRIPT ...`` runs a user's script inside
this process, so everything it loads first is part of that script's time: it is parsed here without
Typer (:mod:`goodfit.cli.quick`); every other command line goes to the Typer app in
:mod:`goodfit.cli.commands`, loaded only then.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: user and usage errors print one line and exit 2 (file-system errors: 1);
    Ctrl-C exits 130."""
    from goodfit.cli import streams
    from goodfit.cli.quick import guarded, watch_command

    streams.install()  # a closed pipe (| head) silences output; it never stops a training
    if sys.argv[1:2] == ["watch"]:
        code = guarded(lambda: watch_command(sys.argv[2:]))
        if code is not None:
            sys.exit(code)
    from goodfit.cli import commands

    guarded(commands.main)


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer app, for the docs and for tests that call it
        from goodfit.cli.commands import app

        return app
    raise AttributeError(f"module 'goodfit.cli' has no attribute {name!r}")
