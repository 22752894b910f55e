"""Worker processes that end with their parent: a killed ``goodfit search --jobs 2`` (or
``train --seeds 3 --jobs 3``) must not leave workers training on, unseen, holding a GB each.

A process pool's workers outlive a parent killed with SIGKILL (nothing runs in the parent to stop
them). :func:`die_with_parent`, the pool's ``initializer``, asks Linux to send each worker SIGTERM
when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread notices the parent
is gone (the worker is re-parented) within a second. SIGTERM ends the worker's training like
Ctrl-C, so its trial is saved as interrupted and re-run by ``--resume``; :func:`call_in_worker`, which
runs each task, then ends the orphaned worker instead of letting it wait for tasks that never come.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["die_with_parent", "call_in_worker", "fork_map", "fork_processes", "usable_cores"]

PR_SET_PDEATHSIG = 1
_parent: int | None = None  # set in a worker by die_with_parent


def die_with_parent() -> None:
    """Make this process get SIGTERM when the process that started it dies."""
    global _parent
    parent = _parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os.kill(os.getpid(), signal.SIGTERM)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch, args=(parent,), name="goodfit-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def call_in_worker(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a pool worker; if the parent died meanwhile, the worker exits after it."""
    try:
        return fn(*args, **kwargs)
    finally:
        if _parent is not None and os.getppid() != _parent:
            os._exit(128 + signal.SIGTERM)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, as Slurm and taskset set it; else all of them).

    Examples:
        >>> usable_cores() >= 1
        True
    """
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fork_processes(n_jobs: int, workers: int = 0) -> int:
    """The processes :func:`fork_map` runs ``n_jobs`` jobs in (1: in this process), for ``workers`` as it takes it.

    Examples:
        >>> fork_processes(3, workers=1)
        1
    """
    import multiprocessing

    if multiprocessing.current_process().daemon:  # a daemonic worker may not start processes
        return 1
    if sys.platform.startswith("linux"):
        workers = min(workers or usable_cores(), n_jobs)
    return workers if workers >= 2 else 1


def fork_map(fn: Callable[[Any], T], jobs: Sequence[Any], workers: int = 0) -> Iterator[T]:
    """``fn`` over ``jobs``, results in order, in forked worker processes on Linux (``workers``: 0 = every
    core this process may use), else in this process. Yields as results arrive (for a progress bar).

    ``fn`` must not call torch: a forked child of a process whose OpenMP pool has run deadlocks in the
    pool. Decoding images (PIL), numpy and scipy are safe.

    Examples:
        >>> list(fork_map(abs, [-1, 2, -3], workers=1))
        [1, 2, 3]
    """
    import multiprocessing

    workers = fork_processes(len(jobs), workers)
    if workers < 2:
        yield from map(fn, jobs)
        return
    from concurrent.futures import ProcessPoolExecutor

    with warnings.catch_warnings():  # Python 3.12+ warns of fork in a threaded process; the workers use no torch
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=die_with_parent) as pool:
            yield from pool.map(fn, jobs, chunksize=max(1, len(jobs) // (4 * workers)))
