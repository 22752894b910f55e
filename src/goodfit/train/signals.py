"""SIGTERM and SIGHUP end training the way Ctrl-C does: the epoch's checkpoint is kept, the run
is marked interrupted, and ``--resume`` continues it.

Slurm sends SIGTERM before it kills a job at its time limit (and on ``scancel``), the OS sends it
at shutdown, and closing a terminal sends SIGHUP; by default each ends Python with no message and
no ``metrics.json``. Inside :func:`stop_on_signals` they raise :class:`Stopped` (a
``KeyboardInterrupt``), which the training code already turns into a clean, resumable stop.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["Stopped", "stop_on_signals", "interrupted_message", "STOP_SIGNALS"]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """Training was asked to stop by a signal (``signum``), as by Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by this signal: 128 + its number."""
        return 128 + self.signum


def _raise(signum: int, frame: object) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals(signals: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Within the block, ``signals`` raise :class:`Stopped`; the earlier handlers come back after.

    A signal that already has a handler of its own (not the default action) keeps it: whoever installed
    it owns that signal. A submitit job, for one, ignores the SIGTERM that Slurm sends when it requeues a
    preempted job; stopping there would hand submitit an "interrupted" result as if the task were done.
    Only the main thread can install handlers; elsewhere (a notebook's worker thread) this does nothing.

    Examples:
        >>> import os
        >>> with stop_on_signals():
        ...     try:
        ...         os.kill(os.getpid(), signal.SIGTERM)
        ...     except Stopped as stop:
        ...         print(stop.name, stop.exit_code)
        SIGTERM 143
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in signals if signal.getsignal(s) == signal.SIG_DFL}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def interrupted_message(exc: BaseException, epoch: int, run: object) -> str:
    """What an interrupted run's ``metrics.json`` and the CLI say: by whom, when, and how to go on.

    Examples:
        >>> interrupted_message(Stopped(signal.SIGTERM), 3, "runs/a")
        'stopped by SIGTERM after epoch 3; resume with --resume runs/a'
        >>> interrupted_message(KeyboardInterrupt(), 3, "runs/a")
        'interrupted after epoch 3; resume with --resume runs/a'
    """
    who = f"stopped by {exc.name}" if isinstance(exc, Stopped) else "interrupted"
    return f"{who} after epoch {epoch}; resume with --resume {run}"
