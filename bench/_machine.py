"""Measuring on a shared machine: how busy it is, how long our threads waited for a CPU, priority.

Timings on a 2-core machine that other jobs also use are mostly a measure of those jobs. These
helpers make that visible (and, where allowed, smaller) for the benchmark scripts:

- :class:`Meter` brackets a region: wall time, this process's CPU time, the cores other processes
  kept busy, and ``run_delay_frac`` — thread-seconds our threads spent runnable but waiting for a
  CPU (Linux ``schedstat``) per second of the region. That last one is the contention that
  actually slowed us; other processes filling a core we left idle do not count.
- :func:`prioritizer` returns a ``preexec_fn`` that puts a child in a session (autogroup) of its
  own at a given nice value, so a negative value (as root) really ranks it ahead of other sessions.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["Meter", "busy_cpu_s", "run_delay_s", "wait_idle", "prioritizer", "cpu_model"]


def busy_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy since boot (``/proc/stat``), 0 where unknown."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_delay_s() -> float:
    """Seconds this process's threads have spent runnable but waiting for a CPU (``schedstat``)."""
    total = 0
    for task in Path("/proc/self/task").glob("*"):
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended meanwhile, or no schedstat on this kernel
    return total / 1e9


class Meter:
    """``start()`` … ``stop()`` → ``{"train_s", "train_cpu_s", "others_cores", "run_delay_frac"}``.

    Example:
        >>> m = Meter(); m.start(); r = m.stop()
        >>> sorted(r)
        ['others_cores', 'run_delay_frac', 'train_cpu_s', 'train_s']
    """

    def start(self) -> None:
        self.d0, self.b0 = run_delay_s(), busy_cpu_s()
        self.t0, self.c0 = time.perf_counter(), time.process_time()

    def stop(self) -> dict[str, float]:
        wall, cpu = time.perf_counter() - self.t0, time.process_time() - self.c0
        wall = max(wall, 1e-9)
        return {
            "train_s": wall,
            "train_cpu_s": cpu,
            "others_cores": max(0.0, (busy_cpu_s() - self.b0 - cpu) / wall),
            "run_delay_frac": (run_delay_s() - self.d0) / wall,
        }


def wait_idle(max_wait_s: float, *, busy_cores: float = 0.25, quiet_s: int = 3) -> float:
    """Wait (up to ``max_wait_s``) until the machine has used under ``busy_cores`` cores for
    ``quiet_s`` seconds in a row; returns the load of the last second seen."""
    deadline = time.monotonic() + max_wait_s
    quiet = 0
    while True:
        b0 = busy_cpu_s()
        time.sleep(1.0)
        load = busy_cpu_s() - b0
        quiet = quiet + 1 if load < busy_cores else 0
        if quiet >= quiet_s or time.monotonic() >= deadline:
            return load


def prioritizer(nice: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess`` that runs the child at ``nice`` (None for 0).

    With autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``), nice only ranks
    processes of one session against each other, so the child gets a session of its own and that
    group's nice is set too. Threads the child starts inherit both.
    """
    if not nice:
        return None

    def _prioritize() -> None:
        os.setsid()
        try:
            Path("/proc/self/autogroup").write_text(str(nice))
        except OSError:
            pass
        os.setpriority(os.PRIO_PROCESS, 0, nice)

    return _prioritize


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
