"""Pictures of a landscape and its hikers: a map from above (contour lines, yellow high, dark low)
with the paths walked, the 3-D surface, the loss of each hiker per step, a learning-rate sweep side
by side, and an animated GIF. A 1-D landscape is drawn as its curve with the hikers on it.

All figures are PNG (or GIF) bytes drawn on matplotlib's Agg canvas (see :mod:`goodfit.report.plots`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from goodfit.landscapes.colors import HIKER, contour_levels
from goodfit.landscapes.hikers import Trajectory
from goodfit.landscapes.surfaces import Landscape
from goodfit.report.plots import DPI, figure_png, new_figure

__all__ = ["map_plot", "surface_plot", "loss_plot", "sweep_plot", "MapCanvas", "map_canvas", "gif"]



def _draw_map(ax: Any, land: Landscape) -> None:
    if land.dims == 1:
        x, y = (v.numpy() for v in land.grid(400))
        ax.plot(x, y, color="#440154", lw=2)
        ax.set_xlabel("x")
        ax.set_ylabel("loss")
    else:
        xx, yy, zz = (v.numpy() for v in land.grid(200))
        from matplotlib.colors import BoundaryNorm

        levels = contour_levels(zz)  # one colour step per band: dark low, yellow high, whatever the range
        ax.contourf(xx, yy, zz, levels=levels, cmap="viridis", norm=BoundaryNorm(levels, 256), extend="both")
        ax.contour(xx, yy, zz, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
        ax.set_xlim(*land.window[0])
        ax.set_ylim(*land.window[1])
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    for m in land.minima:
        xy = (m[0], float(land.value(_tensor(m)))) if land.dims == 1 else m
        ax.plot(*xy, marker="x", color="white" if land.dims == 2 else "k", ms=9, mew=2)


def _tensor(point: Sequence[float]) -> Any:
    import torch

    return torch.tensor(point, dtype=torch.float64)


def _xy(land: Landscape, t: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """A path in plot coordinates: (x, y) on a map, (x, loss) on a 1-D curve."""
    return (t.points[:, 0], t.losses) if land.dims == 1 else (t.points[:, 0], t.points[:, 1])


def _clip(land: Landscape, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(xs) & np.isfinite(ys)
    return xs[keep], ys[keep]


def map_plot(land: Landscape, paths: Sequence[Trajectory], *, title: str = "") -> bytes:
    """The landscape from above with every hiker's path (start: open circle, end: dot)."""
    fig = new_figure(5.2, 4.4)
    ax = fig.add_subplot()
    _draw_map(ax, land)
    for t in paths:
        xs, ys = _clip(land, *_xy(land, t))
        ax.plot(xs, ys, "-", color=HIKER, lw=1.2, alpha=0.9)
        ax.plot(xs[:1], ys[:1], "o", mfc="none", mec=HIKER, ms=7)
        ax.plot(xs[-1:], ys[-1:], "o", color=HIKER, ms=6)
    if land.dims == 2:
        ax.set_xlim(*land.window[0])
        ax.set_ylim(*land.window[1])
    ax.set_title(title or f"{land.name}: {land.formula}", fontsize=9)
    return figure_png(fig)


def surface_plot(land: Landscape, paths: Sequence[Trajectory] = ()) -> bytes:
    """The landscape as a 3-D surface (2-D landscapes), with the paths laid on it."""
    if land.dims == 1:
        return map_plot(land, paths)
    fig = new_figure(5.2, 4.4)
    ax = fig.add_subplot(projection="3d")
    xx, yy, zz = (v.numpy() for v in land.grid(80))
    top = np.quantile(zz, 0.98)  # a few towering corners would flatten the rest
    ax.plot_surface(xx, yy, np.minimum(zz, top), cmap="viridis", linewidth=0, antialiased=True, alpha=0.85)
    for t in paths:
        inside = np.all((t.points >= [w[0] for w in land.window]) & (t.points <= [w[1] for w in land.window]), 1)
        ax.plot(t.points[inside, 0], t.points[inside, 1], np.minimum(t.losses[inside], top), color=HIKER, lw=1.5)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("loss")
    ax.view_init(elev=35, azim=-60)
    return figure_png(fig)


def loss_plot(paths: Sequence[Trajectory], labels: Sequence[str] | None = None) -> bytes:
    """Each hiker's loss per step; a log scale when every loss is positive."""
    fig = new_figure(5.2, 3.2)
    ax = fig.add_subplot()
    for i, t in enumerate(paths):
        finite = np.isfinite(t.losses)
        ax.plot(np.arange(len(t.losses))[finite], t.losses[finite], lw=1.2,
                label=labels[i] if labels else None)
    losses = np.concatenate([t.losses[np.isfinite(t.losses)] for t in paths]) if paths else np.array([1.0])
    if losses.size and losses.min() > 0 and losses.max() / losses.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if labels:
        ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    return figure_png(fig)


def sweep_plot(land: Landscape, sweep: Sequence[tuple[float, str, Trajectory]]) -> bytes:
    """One small map per learning rate, titled with the lecture's judgement of it."""
    n = len(sweep)
    fig = new_figure(2.6 * n, 2.7)
    for i, (lr, verdict, t) in enumerate(sweep):
        ax = fig.add_subplot(1, n, i + 1)
        _draw_map(ax, land)
        xs, ys = _clip(land, *_xy(land, t))
        ax.plot(xs, ys, ".-", color=HIKER, lw=1, ms=3)
        if land.dims == 2:
            ax.set_xlim(*land.window[0])
            ax.set_ylim(*land.window[1])
        ax.set_title(f"lr {lr:g}: {verdict}", fontsize=9)
        ax.tick_params(labelsize=6)
        ax.set_xlabel("")
        ax.set_ylabel("")
    return figure_png(fig)


class MapCanvas:
    """The map as a picture of known size, and where a landscape point lands on it in pixels."""

    def __init__(self, png: bytes, size: tuple[int, int], to_pixels: Callable[[np.ndarray], np.ndarray]) -> None:
        self.png, self.size, self.to_pixels = png, size, to_pixels

    def pixel_paths(self, land: Landscape, paths: Sequence[Trajectory]) -> list[list[list[float]]]:
        """Each path as ``[[px, py], ...]`` (rounded; points off the map are kept, the page clips them)."""
        out = []
        for t in paths:
            xs, ys = _xy(land, t)
            xs, ys = np.nan_to_num(xs, nan=0, posinf=1e6, neginf=-1e6), np.nan_to_num(ys, nan=0, posinf=1e6,
                                                                                   neginf=-1e6)
            px = self.to_pixels(np.stack([xs, ys], axis=1))
            out.append(np.round(np.clip(px, -1e4, 1e4), 1).tolist())
        return out


def map_canvas(land: Landscape, *, width: float = 5.2, height: float = 4.4) -> MapCanvas:
    """The map without paths, drawn at a fixed size (no tight cropping), for animations to draw on."""
    fig = new_figure(width, height)
    ax = fig.add_axes((0.14, 0.11, 0.82, 0.83))
    _draw_map(ax, land)
    fig.canvas.draw()
    w, h = fig.canvas.get_width_height()
    transform = ax.transData

    def to_pixels(xy: np.ndarray) -> np.ndarray:
        disp = transform.transform(xy)
        return np.stack([disp[:, 0], h - disp[:, 1]], axis=1)  # image rows grow downwards

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return MapCanvas(buf.getvalue(), (w, h), to_pixels)


def gif(land: Landscape, paths: Sequence[Trajectory], *, frames: int = 60, ms_per_frame: int = 80) -> bytes:
    """An animated GIF of the hikers walking down (every path sampled at ``frames`` moments)."""
    from PIL import Image, ImageDraw

    canvas = map_canvas(land)
    base = Image.open(io.BytesIO(canvas.png)).convert("RGB")
    pixel_paths = canvas.pixel_paths(land, paths)
    longest = max((len(p) for p in pixel_paths), default=1)
    moments = np.unique(np.linspace(0, longest - 1, frames).round().astype(int))
    images = []
    for k in moments:
        frame = base.copy()
        draw = ImageDraw.Draw(frame)
        for path in pixel_paths:
            trail = [tuple(p) for p in path[: min(k, len(path) - 1) + 1]]
            if len(trail) > 1:
                draw.line(trail, fill=(224, 38, 43), width=2)
            x, y = trail[-1]
            draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=(224, 38, 43), outline=(255, 255, 255))
        images.append(frame.quantize(colors=128))
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()
