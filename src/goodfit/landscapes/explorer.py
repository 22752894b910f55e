"""One exploration: hikers on a landscape for a few learning rates, and its self-contained page.

The page (``optim.html``) shows the map with the hikers walking (play, a step slider and a
learning-rate slider, drawn in the browser from the paths embedded in the page), the same walk as
a GIF, the paths on the 3-D surface, each hiker's loss per step with the reason it stopped, and
one hiker with each learning rate side by side: too small, good, too large, diverging.

Examples:
    >>> from goodfit.landscapes import LANDSCAPES, WalkConfig, explore
    >>> ex = explore(LANDSCAPES.create("himmelblau"), WalkConfig(optimizer="gd", lr=0.01), hikers=4, starts="grid")
    >>> sorted({tuple(round(v, 1) for v in t.end) for t in ex.paths})
    [(-3.8, -3.3), (-2.8, 3.1), (3.0, 2.0), (3.6, -1.8)]
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from goodfit.errors import ConfigError
from goodfit.i18n import N_, _
from goodfit.landscapes.figures import gif, loss_plot, map_canvas, map_plot, surface_plot, sweep_plot
from goodfit.landscapes.hikers import (
    DEFAULT_WALK,
    STOP_REASONS,
    Trajectory,
    WalkConfig,
    lr_sweep,
    starting_points,
    walk_many,
)
from goodfit.landscapes.surfaces import Landscape
from goodfit.report.html import embed_png, render, write_html
from goodfit.run import atomic_write_bytes

VERDICTS = (N_("too small"), N_("good"), N_("too large"), N_("diverging"))  # judge_lr's words, shown translated

__all__ = ["Exploration", "explore", "default_lrs", "write_page"]


@dataclass
class Exploration:
    landscape: Landscape
    config: WalkConfig
    starts: list[tuple[float, ...]]
    by_lr: dict[float, list[Trajectory]]  # every hiker, for each learning rate of the slider
    sweep: list[tuple[float, str, Trajectory]]  # the first hiker with each learning rate, judged

    @property
    def paths(self) -> list[Trajectory]:
        """The hikers at the configured learning rate."""
        return self.by_lr[self.config.lr]


def default_lrs(landscape: Landscape, lr: float) -> list[float]:
    """Learning rates for the slider: around 2/L when the curvature L is known (the divergence edge of
    gradient descent), else ``lr`` / 10 … ``lr`` × 10; ``lr`` itself always among them.

    Examples:
        >>> from goodfit.landscapes.surfaces import quadratic
        >>> default_lrs(quadratic(10.0), 0.05)
        [0.005, 0.05, 0.1, 0.19, 0.21]
    """
    if landscape.curvature:
        edge = 2 / landscape.curvature
        lrs = {round(f * edge, 6) for f in (0.025, 0.5, 0.95, 1.05)}
    else:
        lrs = {round(lr * f, 8) for f in (0.1, 0.3, 3, 10)}
    return sorted(lrs | {lr})


def explore(landscape: Landscape, cfg: WalkConfig = DEFAULT_WALK, *, hikers: int = 6, starts: str = "random",
            lrs: Sequence[float] | None = None, seed: int = 0) -> Exploration:
    """Walk ``hikers`` hikers down ``landscape`` with each learning rate in ``lrs`` (default: :func:`default_lrs`)."""
    points = starting_points(landscape, hikers, how=starts, seed=seed)
    rates = sorted({float(v) for v in (lrs or default_lrs(landscape, cfg.lr))} | {cfg.lr})
    if any(not (v > 0) for v in rates):
        raise ConfigError("learning rates must be > 0")
    by_lr = {lr: walk_many(landscape, points, replace(cfg, lr=lr, seed=seed)) for lr in rates}
    return Exploration(landscape, cfg, points, by_lr, lr_sweep(landscape, points[0], rates, replace(cfg, seed=seed)))


def write_page(ex: Exploration, out_dir: str | Path, *, with_gif: bool = True) -> Path:
    """``out_dir/optim.html`` (self-contained), and ``walk.gif`` beside it; returns the page's path."""
    out = Path(out_dir)
    land, cfg = ex.landscape, ex.config
    canvas = map_canvas(land)
    animation = {
        "lrs": list(ex.by_lr),
        "current": list(ex.by_lr).index(cfg.lr),
        "paths": [canvas.pixel_paths(land, paths) for paths in ex.by_lr.values()],
        "losses": [[[round(float(v), 6) for v in t.losses] for t in paths] for paths in ex.by_lr.values()],
        "size": list(canvas.size),
    }
    gif_bytes = gif(land, ex.paths) if with_gif else None
    if gif_bytes is not None:
        atomic_write_bytes(out / "walk.gif", gif_bytes)
    rows = [{"start": _fmt(t.start), "end": _fmt(t.end), "steps": t.steps, "loss": t.losses[-1],
             "reason": t.stop_reason} for t in ex.paths]
    html = render(
        "optim.html", title=_("Hikers on {landscape}").format(landscape=land.name), landscape=land, config=cfg,
        rows=rows, reasons={k: _(v) for k, v in STOP_REASONS.items()}, background=embed_png(canvas.png),
        animation=json.dumps(animation),
        gif=("data:image/gif;base64," + base64.b64encode(gif_bytes).decode("ascii")) if gif_bytes else None,
        map_png=embed_png(map_plot(land, ex.paths)), surface_png=embed_png(surface_plot(land, ex.paths)),
        loss_png=embed_png(loss_plot(ex.paths, [f"hiker {i + 1}" for i in range(len(ex.paths))])),
        sweep_png=embed_png(sweep_plot(land, ex.sweep)),
        sweep=[{"lr": lr, "verdict": _(verdict), "steps": t.steps, "reason": t.stop_reason}
               for lr, verdict, t in ex.sweep],
    )
    return write_html(out / "optim.html", html)


def _fmt(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in point) + ")"
