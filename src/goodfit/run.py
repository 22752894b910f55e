"""Run directories: created fresh (never overwritten), files written atomically, loaded back.

Layout of ``runs/<name>-<YYYYmmdd-HHMMSS>/``::

    config.yaml        resolved config + meta (seed, versions, git commit, command)
    history.csv        one row per epoch
    metrics.json       final metrics (valid, test-once, baselines) and how the run ended
    predictions.npz    test labels, predictions and probabilities (for plots and reports)
    checkpoints/       best.pt, last.pt
    plots/             PNG figures
    report.html        self-contained report
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from goodfit.errors import RunDirError

__all__ = [
    "RunDir",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "environment_meta",
]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def environment_meta() -> dict[str, Any]:
    """Versions, git commit and command line: what is needed to repeat a run exactly."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for pkg in ("goodfit", "torch", "torchvision", "numpy"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "versions": versions,
        "git_commit": _git_commit(),
        "command": " ".join(sys.argv),
        "host": platform.node(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


class RunDir:
    """One run's folder. ``RunDir.create`` never reuses an existing path; ``RunDir(path)`` opens one."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # ------------------------------------------------------------------ create / open
    @classmethod
    def create(cls, out_dir: str | Path, name: str, *, exact: Path | None = None) -> RunDir:
        """Make a new run folder ``out_dir/name-<timestamp>`` (or exactly ``exact``).

        An explicit ``exact`` path that already exists is an error; auto-named folders get a
        numeric suffix on a clash, so two runs started in the same second both survive.
        """
        if exact is not None:
            path = cls.ensure_new(exact)
            try:
                path.mkdir(parents=True)
            except FileExistsError:  # empty (see ensure_new), or another process made it just now
                cls.ensure_new(path)
            return cls(path)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for i in range(1000):
            path = out / (f"{name}-{stamp}" + (f"-{i}" if i else ""))
            try:
                path.mkdir()
                return cls(path)
            except FileExistsError:
                continue
        raise RunDirError(f"could not create a new run directory in {out}")  # pragma: no cover

    @staticmethod
    def ensure_new(path: str | Path) -> Path:
        """``path`` as a Path, or a clear error if it exists (checked before any long work).

        An empty folder is not a run (a run killed before it wrote anything leaves one; so does
        ``mkdir``): it may be used. Only goodfit's stale temp and lock files count as empty.
        """
        path = Path(path)
        if path.is_dir() and all(p.name == RunDir.LOCK_NAME or p.name.endswith(".tmp") for p in path.iterdir()):
            return path
        if path.exists():
            raise RunDirError(
                f"run directory {path} already exists; goodfit never overwrites a run: "
                "choose another --run-dir, or --resume it"
            )
        return path

    @classmethod
    def open(cls, path: str | Path) -> RunDir:
        """An existing, complete-enough run (it has a config.yaml), or a clear error."""
        run = cls(path)
        if not run.path.is_dir():
            raise RunDirError(f"run directory {run.path} not found; pass the folder a train run printed")
        if not (run.path / "config.yaml").is_file():
            raise RunDirError(f"{run.path} is not a goodfit run (no config.yaml inside)")
        return run

    # ------------------------------------------------------------------ paths
    def __truediv__(self, other: str) -> Path:
        return self.path / other

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def plots(self) -> Path:
        return self.path / "plots"

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # ------------------------------------------------------------------ one writer at a time
    LOCK_NAME = ".goodfit.lock"

    @contextlib.contextmanager
    def lock(self) -> Iterator[RunDir]:
        """Hold the run folder for this process: a second ``train``/``--resume`` into it fails at once.

        An OS file lock (``flock``), so a killed process never leaves a stale lock behind. Temp files
        that a killed writer left (``.NAME.*.tmp``, see :func:`atomic_write_bytes`) are removed once
        the lock is held: no other process can be writing them then.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no flock; one process per folder is on the user
            yield self
            return
        fh = open(self.path / self.LOCK_NAME, "a+")  # noqa: SIM115 - held open for the whole block
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise RunDirError(f"{self.path} is in use by {holder}; wait for it to finish, or stop it "
                                  "first (two processes must never train into one folder)") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"goodfit pid {os.getpid()} on {platform.node()}\n")
            fh.flush()
            self.remove_stale_temp_files()
            yield self
        finally:
            fh.close()  # releases the lock

    def remove_stale_temp_files(self) -> list[Path]:
        """Delete the ``.NAME.*.tmp`` files a killed atomic write left; returns them."""
        stale = [p for p in self.path.rglob(".*.tmp") if p.is_file()]
        for p in stale:
            p.unlink(missing_ok=True)
        return stale

    # ------------------------------------------------------------------ files
    def write_json(self, name: str, obj: Any) -> Path:
        atomic_write_json(self.path / name, obj)
        return self.path / name

    def read_json(self, name: str) -> Any:
        from goodfit.fileio import read_json

        return read_json(self.path / name, what="run file", fix="the run may not have finished; train it again")

    def write_history(self, history: list[dict[str, Any]]) -> Path:
        buf = io.StringIO()
        if history:
            keys = list(dict.fromkeys(k for row in history for k in row))
            writer = csv.DictWriter(buf, fieldnames=keys)
            writer.writeheader()
            writer.writerows(history)
        atomic_write_text(self.path / "history.csv", buf.getvalue())
        return self.path / "history.csv"

    def read_history(self) -> list[dict[str, float]]:
        path = self.path / "history.csv"
        if not path.is_file():
            return []
        with path.open(newline="") as fh:
            return [{k: _num(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _num(v: str) -> Any:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
