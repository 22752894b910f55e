"""Running a user's training script under the observer, as ``python script.py ARGS`` would run it."""

from __future__ import annotations

import runpy
import sys
import traceback
from pathlib import Path

from goodfit.errors import ConfigError
from goodfit.findings import Finding, as_dicts
from goodfit.run import RunDir, environment_meta
from goodfit.watch.observer import Observer

__all__ = ["run_script", "WatchResult"]


class WatchResult:
    """What a watched script left: its findings, where they were written, and its exit status."""

    def __init__(self, findings: list[Finding], folder: Path | None, exit_code: int) -> None:
        self.findings, self.folder, self.exit_code = findings, folder, exit_code


def run_script(script: str | Path, args: list[str] = (), *, out_dir: str | Path = "runs",
               steps: int = 50) -> WatchResult:
    """Run ``script`` with ``args`` (its ``sys.argv[1:]``) in this process under an :class:`Observer`;
    write ``findings.json`` into a new folder ``out_dir/watch-<script>-<time>/``.

    The script runs as ``__main__`` with its own folder first on ``sys.path``, as ``python script.py``
    would run it. If it raises, its traceback (its own frames only) is printed and the exit status
    is 1; ``sys.exit(n)`` in the script gives status ``n``.
    """
    path = Path(script)
    if not path.is_file():
        raise ConfigError(f"script {path} not found; pass a Python file: goodfit watch train.py [ARGS...]")
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(path), *args]
    sys.path.insert(0, str(path.resolve().parent))
    exit_code = 0
    observer = Observer(steps=steps)
    try:
        with observer:
            try:
                runpy.run_path(str(path), run_name="__main__")
            except SystemExit as exc:
                exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # the script's own error, KeyboardInterrupt included: shown as it is
                _print_script_traceback(path)
                exit_code = 1 if not isinstance(sys.exc_info()[1], KeyboardInterrupt) else 130
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    folder = _write(observer.findings, path, args, out_dir, exit_code)
    return WatchResult(observer.findings, folder, exit_code)


def _print_script_traceback(path: Path) -> None:
    """The traceback as ``python script.py`` prints it: from the script's first frame on."""
    exc_type, exc, tb = sys.exc_info()
    target = str(path.resolve())
    while tb is not None and str(Path(tb.tb_frame.f_code.co_filename).resolve()) != target:
        tb = tb.tb_next
    traceback.print_exception(exc_type, exc, tb, file=sys.stderr)


def _write(findings: list[Finding], script: Path, args: list[str], out_dir: str | Path, exit_code: int) -> Path:
    run = RunDir.create(out_dir, f"watch-{script.stem}")
    run.write_json("findings.json", [{**d, "stage": "watch"} for d in as_dicts(findings)])
    run.write_json("watch.json", {"script": str(script), "args": list(args), "exit_code": exit_code,
                                  "findings": len(findings), "meta": environment_meta()})
    return run.path
