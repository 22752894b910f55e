"""``goodfit serve --watch``: the page's model follows a training run, checkpoint by checkpoint.

A :class:`Follower` looks at ``RUN/checkpoints/last.pt`` twice a second and hands each new one,
loaded, to the app, so a learner sees the guesses improve epoch by epoch. Checkpoints are written
atomically (a temp file, then a rename), so a half-written one is never read; one that cannot be
loaded anyway is skipped and tried again at the next look. :func:`start_watch` either follows a
run that another process trains, or the training :func:`goodfit.serve.sources.open_model` started
(then :meth:`Follower.stop` ends it: SIGTERM, which saves it as interrupted, so ``goodfit train
--resume`` goes on).

Examples:
    >>> import subprocess, sys, time
    >>> from goodfit import Config, apply_overrides, fit
    >>> run = fit(apply_overrides(Config(), ["data.name=digits", "train.epochs=2", "out_dir=/tmp/goodfit-doc"]),
    ...           progress="quiet", report=False).run_dir
    >>> seen = []
    >>> follower = Follower(run, on_model=lambda loaded: seen.append(loaded.epoch))
    >>> follower.poll(), follower.poll(), seen, follower.status
    (True, False, [2], 'finished')
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from goodfit.errors import GoodfitError

__all__ = ["Follower"]


class Follower:
    """Loads each new ``last.pt`` of ``run`` and passes it to ``on_model`` (from a background thread).

    ``status``: ``waiting`` (no checkpoint yet), ``training``, ``finished`` or ``failed`` (the
    training process this server started ended with an error).
    """

    def __init__(self, run: str | Path, *, on_model: Callable[[Any], None] | None = None, poll_s: float = 0.5,
                 process: subprocess.Popen | None = None, device: str = "cpu") -> None:
        self.run = Path(run)
        self.on_model = on_model
        self.poll_s = poll_s
        self.process = process
        self.device = device
        self.epoch = 0
        self._seen: tuple[int, int] | None = None  # (mtime_ns, size) of the last.pt loaded
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def checkpoint(self) -> Path:
        return self.run / "checkpoints" / "last.pt"

    @property
    def status(self) -> str:
        if self.process is not None and self.process.poll() is not None:
            return "finished" if self.process.returncode == 0 else "failed"
        if self.process is None and (self.run / "metrics.json").is_file():
            return "finished"
        return "training" if self._seen else "waiting"

    def poll(self) -> bool:
        """One look: whether a new checkpoint was loaded and handed on."""
        from goodfit.trained import load_model

        try:
            stat = self.checkpoint.stat()
        except FileNotFoundError:
            return False
        key = (stat.st_mtime_ns, stat.st_size)
        if key == self._seen:
            return False
        try:
            loaded = load_model(self.run, which="last", device=self.device)
        except (GoodfitError, OSError, RuntimeError, EOFError):  # replaced while read: the next look gets it
            return False
        self._seen, self.epoch = key, loaded.epoch
        if self.on_model is not None:
            self.on_model(loaded)
        return True

    def start(self) -> None:
        """Look in a daemon thread until :meth:`stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="goodfit-serve-follow", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.poll()
            if self.status in ("finished", "failed") and not self.poll():  # the last checkpoint is in
                return
            self._stop.wait(self.poll_s)

    def stop(self, *, timeout: float = 15.0) -> None:
        """Stop looking, and stop the training this server started (it saves itself as interrupted)."""
        self._stop.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGTERM ends training within a step
                self.process.kill()
                self.process.wait()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
