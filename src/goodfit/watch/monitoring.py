"""goodfit's training monitors (:class:`~goodfit.train.callbacks.monitors.Monitors`) as ``goodfit watch``
runs them: started at the script's first step, then fed only at the steps they have work at, with
their probes at steps 100, 200, 400, ... and within :data:`MONITOR_BUDGET` of the script's time.

A probe is a forward and backward pass on 256 samples: several steps' worth for a model whose steps
are mostly compute, and it leaves the next steps slower than it took itself (the CPU's caches it
filled). Probing at doubling steps keeps a short script's probes few and a long one's cost falling."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from types import SimpleNamespace

import torch
from torch import nn

from goodfit.checks.context import keep_random_state
from goodfit.findings import Finding
from goodfit.train.callbacks.monitors import Monitors

__all__ = ["MonitorFeed", "paced", "PROBE_EVERY", "MONITOR_BUDGET"]

PROBE_EVERY = 100  # the monitors' first probe; then at 200, 400, ..., or further apart if their budget needs it
MONITOR_BUDGET = 0.005  # the share of the script's time the monitors may take


class MonitorFeed:
    """The monitors of one watched model, on a probe batch ``(x, y)`` with ``loss`` (outputs, targets)."""

    def __init__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                 loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        self.monitors = Monitors(x, y, loss_fn=loss, every=PROBE_EVERY)
        self.state = SimpleNamespace(model=model, step=0)
        self.monitors.on_fit_start(self.state)
        self.due = self.monitors.next_busy_step(0)  # the next step at which the monitors have work
        self._cost = 0.0  # seconds the monitors took since their last probe
        self._mark: float | None = None  # when they last probed

    def feed(self, step: int) -> None:
        """Step ``step`` is done: let the monitors do its work (a probe, or the update ratios the step
        after one), keeping the script's random streams, and set when they have work next."""
        monitors = self.monitors
        self.state.step = step
        probing = step % monitors.every == 0  # only a probe pass could draw random numbers
        start = time.perf_counter()
        if self._mark is None:
            self._mark = start
        with keep_random_state() if probing else contextlib.nullcontext():
            monitors.on_batch_end(self.state, None)
        now = time.perf_counter()
        self._cost += now - start
        if probing:
            monitors.every = paced(step, monitors.every, self._cost, now - self._mark)
            self._cost, self._mark = 0.0, now
        self.due = monitors.next_busy_step(step)

    def finish(self, step: int) -> list[Finding]:
        """The monitors' verdicts after ``step`` steps (unchanged weights, update ratios) and all they found."""
        if step > 0:
            self.state.step = step
            self.monitors.on_fit_end(self.state)
        return self.monitors.findings


def paced(step: int, every: int, cost: float, period: float) -> int:
    """How many steps apart the monitors' next probe should come, after a probe at ``step`` when probing
    every ``every`` steps took ``cost`` seconds of the last ``period``: as many as were taken so far (the
    probes come at steps 100, 200, 400, ...: a few in a short run, one more each time a long run doubles),
    or the multiple of :data:`PROBE_EVERY` that keeps them within :data:`MONITOR_BUDGET` of the time,
    whichever is further.

    Examples:
        >>> paced(100, 100, 0.001, 1.0), paced(400, 400, 0.001, 1.0), paced(100, 100, 0.02, 1.0)
        (100, 400, 400)
    """
    share = cost / max(period, 1e-9)
    return max(step, PROBE_EVERY * max(1, math.ceil(every * share / MONITOR_BUDGET / PROBE_EVERY)))
