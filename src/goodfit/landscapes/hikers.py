"""Hikers walking down a landscape: the real ``torch.optim`` optimizers on one or two parameters.

Each hiker starts somewhere, takes optimizer steps down the slope and stops for one of the reasons
the lecture names: the step budget is spent, the loss barely changes, the slope is nearly flat, a
target value is reached, or (too large a step) the hiker leaves the map. Stochastic gradient
descent is mimicked by adding noise to the gradient, smaller for larger batches (std ∝ 1/√batch).

Examples:
    >>> from goodfit.landscapes.surfaces import LANDSCAPES
    >>> t = walk(LANDSCAPES.create("lecture-parabola"), [3.0], WalkConfig(optimizer="gd", lr=0.1))
    >>> round(t.end[0], 4), round(float(t.losses[-1]), 4), t.stop_reason
    (-1.0, -2.0, 'barely-moves')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from goodfit.errors import ConfigError
from goodfit.i18n import N_
from goodfit.landscapes.surfaces import Landscape

__all__ = ["WalkConfig", "DEFAULT_WALK", "Trajectory", "walk", "walk_many", "starting_points", "lr_sweep", "OPTIMIZERS",
           "STOP_REASONS"]

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "rmsprop", "adam")
STOP_REASONS = {  # English; the page shows them translated
    "max-steps": N_("the step budget was spent"),
    "barely-moves": N_("the loss changed by less than the tolerance between steps"),
    "small-gradient": N_("the slope (gradient norm) fell under the tolerance"),
    "target-reached": N_("the loss reached the target value"),
    "diverged": N_("the hiker left the map (loss or position not finite, or far outside the window)"),
}


@dataclass(frozen=True)
class WalkConfig:
    optimizer: str = "gd"  # gd, sgd (gd + gradient noise), momentum, nesterov, rmsprop, adam
    lr: float = 0.01
    steps: int = 500  # at most
    tol_change: float = 1e-9  # stop when |loss change| < this ("barely moves"); 0: never
    tol_grad: float = 1e-6  # stop when the gradient norm < this; 0: never
    target: float | None = None  # stop when the loss <= this
    noise: float = 1.0  # sgd: gradient noise std at batch size 1
    batch_size: int = 16  # sgd: the noise std is noise / sqrt(batch_size)
    momentum: float = 0.9  # momentum / nesterov
    seed: int = 0  # sgd noise

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        checks = [(self.lr > 0 and math.isfinite(self.lr), "lr must be a number > 0"),
                  (1 <= self.steps <= 1_000_000, "steps must be in 1..1000000"),
                  (self.tol_change >= 0 and self.tol_grad >= 0, "tolerances must be >= 0"),
                  (self.noise >= 0 and self.batch_size >= 1, "noise must be >= 0 and batch_size >= 1"),
                  (0 <= self.momentum < 1, "momentum must be in [0, 1)")]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)


DEFAULT_WALK = WalkConfig()


@dataclass
class Trajectory:
    """Where one hiker went: ``points[i]`` before step ``i`` (``points[0]`` is the start)."""

    points: np.ndarray  # (n, dims)
    losses: np.ndarray  # (n,)
    grad_norms: np.ndarray  # (n,)
    stop_reason: str
    config: WalkConfig = field(repr=False)

    @property
    def start(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.points[0])

    @property
    def end(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.points[-1])

    @property
    def steps(self) -> int:
        return len(self.points) - 1


def _optimizer(params: list[torch.Tensor], cfg: WalkConfig) -> torch.optim.Optimizer:
    if cfg.optimizer in ("gd", "sgd"):
        return torch.optim.SGD(params, lr=cfg.lr)
    if cfg.optimizer in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.optimizer == "nesterov")
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr)
    return torch.optim.Adam(params, lr=cfg.lr)


def walk(landscape: Landscape, start: Sequence[float], cfg: WalkConfig = DEFAULT_WALK) -> Trajectory:
    """One hiker from ``start`` down ``landscape`` with ``cfg``'s optimizer, until a stop criterion."""
    if len(start) != landscape.dims:
        raise ConfigError(f"{landscape.name} has {landscape.dims} parameter(s); a start needs {landscape.dims} values")
    point = torch.tensor([float(v) for v in start], dtype=torch.float64, requires_grad=True)
    opt = _optimizer([point], cfg)
    noise = torch.Generator().manual_seed(cfg.seed)
    span = max(hi - lo for lo, hi in landscape.window)
    points, losses, grads = [], [], []
    reason = "max-steps"
    for step in range(cfg.steps + 1):
        opt.zero_grad()
        loss = landscape.value(point)
        loss.backward()
        grad_norm = float(point.grad.norm())
        points.append(point.detach().numpy().copy())
        losses.append(float(loss.detach()))
        grads.append(grad_norm)
        reason = _stop(losses, grad_norm, point, landscape, span, cfg) or reason
        if reason != "max-steps" or step == cfg.steps:
            break
        if cfg.optimizer == "sgd" and cfg.noise > 0:
            scale = cfg.noise / math.sqrt(cfg.batch_size)
            point.grad += scale * torch.randn(point.shape, generator=noise, dtype=point.dtype)
        opt.step()
    return Trajectory(np.array(points), np.array(losses), np.array(grads), reason, cfg)


def _stop(losses: list[float], grad_norm: float, point: torch.Tensor, landscape: Landscape, span: float,
          cfg: WalkConfig) -> str | None:
    """The reason to stop now, or None to go on."""
    far = float(torch.max(torch.abs(point.detach()))) > 100 * span
    if not math.isfinite(losses[-1]) or not math.isfinite(grad_norm) or far:
        return "diverged"
    if cfg.target is not None and losses[-1] <= cfg.target:
        return "target-reached"
    if grad_norm < cfg.tol_grad:
        return "small-gradient"
    if len(losses) > 1 and abs(losses[-1] - losses[-2]) < cfg.tol_change:
        return "barely-moves"
    return None


def walk_many(landscape: Landscape, starts: Sequence[Sequence[float]], cfg: WalkConfig = DEFAULT_WALK
              ) -> list[Trajectory]:
    """One hiker per start (each SGD hiker with its own noise seed)."""
    return [walk(landscape, s, replace(cfg, seed=cfg.seed + i)) for i, s in enumerate(starts)]


def starting_points(landscape: Landscape, n: int, *, how: str = "random", seed: int = 0,
                    margin: float = 0.1) -> list[tuple[float, ...]]:
    """``n`` starts inside the window (shrunk by ``margin`` on each side): uniform random, or a grid.

    Examples:
        >>> from goodfit.landscapes.surfaces import quadratic
        >>> starting_points(quadratic(), 4, how="grid")
        [(-2.4, -2.4), (2.4, -2.4), (-2.4, 2.4), (2.4, 2.4)]
    """
    if n < 1:
        raise ConfigError("the number of hikers must be >= 1")
    lows = [lo + margin * (hi - lo) for lo, hi in landscape.window]
    highs = [hi - margin * (hi - lo) for lo, hi in landscape.window]
    if how == "random":
        rng = np.random.default_rng(seed)
        return [tuple(round(float(v), 6) for v in rng.uniform(lows, highs)) for _ in range(n)]
    if how != "grid":
        raise ConfigError(f"starts must be random or grid, not {how!r}")
    side = math.ceil(n ** (1 / landscape.dims))
    axes = [np.linspace(lo, hi, side) for lo, hi in zip(lows, highs)]
    mesh = np.meshgrid(*axes, indexing="xy")
    pts = np.stack([m.ravel() for m in mesh], axis=1)[:n]
    return [tuple(round(float(v), 6) for v in p) for p in pts]


def lr_sweep(landscape: Landscape, start: Sequence[float], lrs: Sequence[float], cfg: WalkConfig = DEFAULT_WALK
             ) -> list[tuple[float, str, Trajectory]]:
    """The same hiker with each learning rate, judged: ``too small``, ``good``, ``too large`` or ``diverging``."""
    out = []
    for lr in lrs:
        t = walk(landscape, start, replace(cfg, lr=float(lr)))
        out.append((float(lr), judge_lr(t, landscape), t))
    return out


def judge_lr(t: Trajectory, landscape: Landscape) -> str:
    """How a learning rate did on a landscape, in the lecture's words.

    ``diverging``: the hiker left the map. ``too large``: it got down, but zig-zagging across the
    valley (on the way down, until the loss is within 1 % of its last value, more than a third of its
    steps turn back against the one before, or the loss rose on more than a tenth of them).
    ``too small``: the step budget ran out far from the bottom. ``good``: it reached the bottom (or
    stopped for a reason other than the budget) walking downhill.

    Examples:
        >>> from goodfit.landscapes.surfaces import quadratic
        >>> land = quadratic(10.0)  # gradient descent diverges above lr = 2/10
        >>> [judge_lr(walk(land, [2.0, 1.0], WalkConfig(lr=lr, steps=200)), land) for lr in (0.001, 0.1, 0.19, 0.21)]
        ['too small', 'good', 'too large', 'diverging']
    """
    if t.stop_reason == "diverged":
        return "diverging"
    # judged on the way down only: jitter once at the bottom (a kink, the last digits) says nothing
    gap = np.abs(t.losses - t.losses[-1])
    arrived = np.flatnonzero(gap <= 0.01 * max(gap[0], 1e-12))
    n = max(int(arrived[0]) if arrived.size else t.steps, 3)
    moves = np.diff(t.points[: n + 1], axis=0)
    turns = np.sum(np.sum(moves[1:] * moves[:-1], axis=1) < 0)
    rises = np.sum(np.diff(t.losses[: n + 1]) > 1e-12)
    if t.steps > 2 and (turns > n / 3 or rises > 0.1 * n):
        return "too large"
    if t.stop_reason == "max-steps":
        gap = t.losses[-1] - (landscape.min_value if landscape.min_value is not None else t.losses.min())
        start_gap = t.losses[0] - (landscape.min_value if landscape.min_value is not None else t.losses.min())
        if landscape.min_value is None or gap > 1e-3 * max(start_gap, 1e-12):
            return "too small"
    return "good"
