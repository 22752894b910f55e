"""What the entry point does before, or without, Typer: ``goodfit watch``'s plain command lines, and the
one-line answers to the errors every command can raise."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from goodfit.errors import GoodfitError
from goodfit.i18n import _

__all__ = ["watch_command", "run_watch", "guarded", "OUT_DIR", "STEPS"]

OUT_DIR = "runs"  # where the watch-<script>-<time> folders go, unless --out-dir says otherwise
STEPS = 50  # optimizer steps whose losses are followed closely, unless --steps says otherwise


def watch_command(argv: list[str]) -> int | None:
    """``goodfit watch ARGV...`` without Typer, when ``ARGV`` is ``[--out-dir D] [--steps N] SCRIPT [ARGS...]``
    (each option also as ``--name=value``): the exit code. None for anything else (``--help``, a bad
    value, an unknown option), which Typer then parses and answers as usual.

    Loading and running Typer would take ~0.15 s of the script's run time (bench/RESULTS.md).
    """
    options, i = {"--out-dir": OUT_DIR, "--steps": str(STEPS)}, 0
    while i < len(argv) and argv[i].startswith("-"):
        name, eq, value = argv[i].partition("=")
        if name not in options or (not eq and i + 1 == len(argv)):
            return None
        if not eq:
            i, value = i + 1, argv[i + 1]
        options[name] = value
        i += 1
    if i == len(argv) or not options["--steps"].isdigit() or int(options["--steps"]) < 1:
        return None
    return run_watch(Path(argv[i]), argv[i + 1:], Path(options["--out-dir"]), int(options["--steps"]))


def run_watch(script: Path, args: list[str], out_dir: Path, steps: int) -> int:
    """Run ``script`` under ``goodfit watch``, print where its findings went; its exit code."""
    from goodfit.findings import tally
    from goodfit.watch import run_script

    result = run_script(script, args, out_dir=out_dir, steps=steps)
    # "findings: PATH" stays English in every language: scripts and tests read the path after it
    print(f"goodfit watch: {tally(result.findings)}; findings: {result.folder / 'findings.json'}", file=sys.stderr)
    return result.exit_code


def guarded(command: Callable[[], Any]) -> Any:
    """``command()``, with goodfit's errors, file-system errors and Ctrl-C answered in one line and an
    exit code (2, 1, 130) instead of a traceback."""
    try:
        return command()
    except GoodfitError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        sys.exit(130)
    except OSError as exc:  # a folder that cannot be made, a read-only place, a full disk
        where = f": {exc.filename}" if exc.filename else ""
        print(_("error: {message}").format(message=f"{exc.strerror or exc}{where}"), file=sys.stderr)
        sys.exit(1)
