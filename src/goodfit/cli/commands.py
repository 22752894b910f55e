"""The ``goodfit`` command line as a Typer app: every command, and the entry point that parses with it.

One module per group of commands, each with a ``register(app)`` that adds its commands; they are
all registered below, in one visible list. Options several commands share are defined once in
:mod:`goodfit.cli.options`. Imports of torch and friends happen inside the commands, so
``goodfit --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from goodfit.cli import (
    analog,
    anomaly,
    denoise,
    export,
    generative,
    optim,
    runs,
    search,
    serve,
    slurm,
    watch,
    workflow,
)
from goodfit.i18n import _

__all__ = ["app", "main"]

app = typer.Typer(
    name="goodfit",
    help="The deep-learning course workflow, ready-made: explore → train → evaluate → report.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from goodfit import __version__

        typer.echo(f"goodfit {__version__}")
        raise typer.Exit()


def _language(value: str | None) -> str | None:
    if value is not None:
        import os

        from goodfit.i18n import set_language

        os.environ["GOODFIT_LANG"] = set_language(value)  # the processes goodfit starts speak it too
    return value


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print goodfit's version and exit."),
          lang: str | None = typer.Option(None, "--lang", callback=_language, is_eager=True, metavar="en|de",
                                          help="Language of messages, reports and the web page (else "
                                               "$GOODFIT_LANG, else the locale).")) -> None:
    """The deep-learning course workflow, ready-made: explore → train → evaluate → report."""

for _commands in (workflow, watch, runs, export, serve, search, slurm, generative, anomaly, analog, denoise, optim):
    _commands.register(app)


def _click_exceptions() -> tuple[type, ...]:
    """ClickException as this Typer raises it: click's own, or the copy newer Typers vendor."""
    return tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def main() -> None:
    """The command line parsed by Typer: usage errors print one line naming the help and exit 2, Typer's
    abort exits 130; goodfit's, file-system and Ctrl-C errors are left to the caller
    (:func:`goodfit.cli.quick.guarded`, around this in :func:`goodfit.cli.main`)."""
    try:
        code = app(standalone_mode=False, prog_name="goodfit")  # returns the exit code of a typer.Exit
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo(_("aborted"), err=True)
        sys.exit(130)
    except Exception as exc:  # usage errors: an unknown option, a missing argument
        if isinstance(exc, _click_exceptions()):  # one line too, naming the help that shows the usage
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else "goodfit"
            typer.echo(_("error: {message} (see '{command} --help')").format(
                message=exc.format_message().rstrip("."), command=where), err=True)
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
