"""Run the ``goodfit`` command line in this process and judge how it failed; count what was tried.

In-process runs are ~100x cheaper than subprocesses (no torch import per case), and an exception
that escapes :func:`goodfit.cli.main` is exactly what a user would see as a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TALLY", "Outcome", "run_inprocess", "folder_digest", "judge"]

TALLY: Counter = Counter()  # printed at the end of the session (tests/conftest.py prints it)


@dataclass
class Outcome:
    code: int | str | None
    stdout: str
    stderr: str
    traceback: str | None


def run_inprocess(args: list[str]) -> Outcome:
    from goodfit.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["goodfit", *args]
    code, tb = None, None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    except BaseException:  # noqa: BLE001 - an escaped exception is the finding
        tb = traceback.format_exc()
    finally:
        sys.argv = argv
    return Outcome(code, out.getvalue(), err.getvalue(), tb)


def judge(outcome: Outcome, *, may_work: bool = False) -> str | None:
    """Why ``outcome`` is not a clean one-line failure (or, with ``may_work``, a success), else None.

    Lines before the error (the lint's warnings, progress) are allowed; the error is the last line.
    """
    TALLY["cases tried"] += 1
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if outcome.traceback or "Traceback" in outcome.stderr:
        TALLY["tracebacks"] += 1
        return f"traceback:\n{outcome.traceback or outcome.stderr}"
    if outcome.code in (0, None) and may_work:
        TALLY["recovered"] += 1
        return None
    if outcome.code in (0, None):
        return f"exit 0: the bad input was accepted\nstdout: {outcome.stdout[-500:]}\nstderr: {outcome.stderr[-500:]}"
    one_line = len([line for line in lines if line.startswith("error: ")]) == 1 and lines[-1].startswith("error: ")
    usage = any("─ Error ─" in line or line.startswith("Error: ") for line in lines)  # click's usage errors
    if not (one_line or usage):
        return f"exit {outcome.code} without exactly one error line:\n{outcome.stderr[-2000:]}"
    TALLY["one-line errors"] += 1
    return None


def folder_digest(folder: Path) -> str:
    """A hash of every name, link target and byte under ``folder`` (links are not followed)."""
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes())
        h.update(oct(path.lstat().st_mode).encode())
    return h.hexdigest()
