"""The learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017;
popularised by fastai's ``lr_find``): train for a few hundred steps while the learning rate grows
exponentially, watch the loss, and read a good learning rate off the curve.

The test trains a *copy* of the model with a fresh optimizer of the run's kind, so the model, its
optimizer and the random streams are as they were. The loss is smoothed (an exponential moving
average with bias correction); the test stops early once the smoothed loss exceeds ``diverge``
times its minimum.

The suggestion follows one stated rule, ``steepest``: the learning rate where the smoothed loss
falls fastest against log(lr), before its minimum (Smith's choice; on mnist-5k it lands within 2x
of a grid search's best rate for Adam and SGD, bench/RESULTS.md). ``min/10`` (a tenth of the
learning rate at the minimum loss, an older rule of thumb) is reported too.

Examples:
    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(512, 2); y = (x[:, 0] > 0).long()
    >>> batches = [(x[i:i + 64], y[i:i + 64]) for i in range(0, 512, 64)]
    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> found = lr_range_test(model, batches, nn.CrossEntropyLoss(), lambda p, lr: torch.optim.SGD(p, lr=lr))
    >>> 1e-3 < found.suggestion < 10, found.rule
    (True, 'steepest')
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

__all__ = ["LRFind", "lr_range_test", "suggest_lr"]

MakeOptimizer = Callable[[Iterable[torch.Tensor], float], torch.optim.Optimizer]


@dataclass
class LRFind:
    """The range test's curve and what it suggests."""

    lrs: list[float]
    losses: list[float]  # raw, one per step
    smoothed: list[float]
    suggestion: float
    rule: str
    alternatives: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False

    def to_dict(self) -> dict:
        return {"lrs": self.lrs, "losses": self.losses, "smoothed": self.smoothed, "suggestion": self.suggestion,
                "rule": self.rule, "alternatives": self.alternatives, "stopped_early": self.stopped_early}


def lr_range_test(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]], loss_fn: Callable,
                  make_optimizer: MakeOptimizer, *, start: float = 1e-7, end: float = 10.0, steps: int = 200,
                  smooth: float = 0.98, diverge: float = 4.0) -> LRFind:
    """Run the range test on a copy of ``model``; ``batches`` is cycled as needed."""
    if not (0 < start < end) or steps < 10:
        raise ValueError("lr_range_test needs 0 < start < end and steps >= 10")
    work = copy.deepcopy(model).train()
    params = [p for p in work.parameters() if p.requires_grad]
    opt = make_optimizer(params, start)
    factor = (end / start) ** (1 / (steps - 1))
    lrs, losses, smoothed = [], [], []
    avg, best, stopped = 0.0, math.inf, False
    with torch.random.fork_rng(devices=[]):  # dropout and augmentation draws stay out of the run's stream
        source = _cycle(batches)
        for i in range(steps):
            lr = start * factor**i
            for group in opt.param_groups:
                group["lr"] = lr
            xb, yb = next(source)
            loss = loss_fn(work(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = float(loss.detach())
            avg = smooth * avg + (1 - smooth) * value
            current = avg / (1 - smooth ** (i + 1))
            lrs.append(lr)
            losses.append(value)
            smoothed.append(current)
            best = min(best, current)
            if not math.isfinite(current) or (i > 10 and current > diverge * best):
                stopped = True
                break
    lr, rule, alternatives = suggest_lr(lrs, smoothed)
    return LRFind(lrs, losses, smoothed, lr, rule, alternatives, stopped)


def _cycle(batches: Iterable[tuple[torch.Tensor, torch.Tensor]]):
    while True:
        empty = True
        for batch in batches:
            empty = False
            yield batch
        if empty:
            raise ValueError("lr_range_test got no batches")


def suggest_lr(lrs: list[float], smoothed: list[float]) -> tuple[float, str, dict[str, float]]:
    """``(lr, rule, {rule: lr})``: the ``steepest`` suggestion and the ``min/10`` one.

    ``steepest``: on the smoothed loss up to its minimum, the point of steepest descent against
    log(lr) (a central difference over 5 % of the curve). With fewer than 5 points before the
    minimum there is no slope to read, and ``min/10`` is used.

    Examples:
        >>> lrs = list(np.logspace(-5, 0, 101))
        >>> lr, rule, alt = suggest_lr(lrs, [2.0 - 1.5 * (1 - 1 / (1 + (lr / 1e-2) ** 2)) for lr in lrs])
        >>> rule, 5e-3 < lr < 2e-2, round(alt["min/10"], 3)  # the curve falls fastest at lr = 1e-2
        ('steepest', True, 0.1)
    """
    y = np.asarray(smoothed, dtype=float)
    finite = np.isfinite(y)
    y = np.where(finite, y, np.inf)
    low = int(np.argmin(y))
    alternatives = {"min/10": float(lrs[low]) / 10}
    if low < 4:
        return float(lrs[max(low, 0)]) / 10, "min/10", alternatives
    logs = np.log10(np.asarray(lrs[: low + 1]))
    span = max(1, (low + 1) // 20)
    slope = (y[2 * span:low + 1] - y[: low + 1 - 2 * span]) / (logs[2 * span:] - logs[: -2 * span])
    steepest = float(lrs[int(np.argmin(slope)) + span])  # the centre of the steepest stretch
    alternatives["steepest"] = steepest
    return steepest, "steepest", alternatives
