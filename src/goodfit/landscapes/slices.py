"""The loss landscape around a trained run, in slices (Li et al., "Visualizing the Loss Landscape of
Neural Nets", NeurIPS 2018).

A network has far more than two parameters, so its landscape is looked at through slices: the
straight line from the initial to the final weights (did training cross a hill, or walk down one
slope?), and a plane through the final weights spanned by that line and a *filter-normalized*
random direction (each filter of the random direction scaled to the norm of the same filter in
the weights, so that the plot's scale means the same for every layer; biases and normalization
parameters are left out, as in the paper). The loss is the training loss on a fixed sample of
the training split, in eval mode.

Examples:
    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> d = filter_normalized_direction(model, torch.Generator().manual_seed(0))
    >>> w = model[0].weight
    >>> bool(torch.allclose(d["0.weight"].norm(dim=1), w.norm(dim=1))), float(d["0.bias"].abs().sum())
    (True, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

__all__ = ["filter_normalized_direction", "loss_line", "loss_plane", "RunSlices", "slice_run", "slices_plot"]

Params = dict[str, torch.Tensor]


def filter_normalized_direction(model: nn.Module, generator: torch.Generator, *,
                                weights: Params | None = None) -> Params:
    """A Gaussian direction shaped like ``model``'s parameters, each filter (a weight's row, or a conv
    weight's output channel) scaled to the norm of that filter in ``weights`` (default: the model's);
    1-D parameters (biases, norm layers) get zero."""
    weights = weights if weights is not None else {k: v.detach() for k, v in model.named_parameters()}
    out = {}
    for name, w in weights.items():
        if w.dim() <= 1:
            out[name] = torch.zeros_like(w)
            continue
        d = torch.randn(w.shape, generator=generator, dtype=w.dtype).to(w.device)
        d_norm = d.flatten(1).norm(dim=1).clamp_min(1e-12)
        w_norm = w.flatten(1).norm(dim=1)
        out[name] = d * (w_norm / d_norm).view(-1, *([1] * (w.dim() - 1)))
    return out


def _loss_at(model: nn.Module, params: Params, buffers: Params, loss_fn: Callable, x: torch.Tensor,
             y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(loss_fn(functional_call(model, {**params, **buffers}, (x,)), y))


def loss_line(model: nn.Module, origin: Params, direction: Params, loss_fn: Callable, x: torch.Tensor,
              y: torch.Tensor, alphas: np.ndarray) -> np.ndarray:
    """The loss at ``origin + a * direction`` for each ``a`` in ``alphas``."""
    buffers = dict(model.named_buffers())
    return np.array([_loss_at(model, {k: origin[k] + float(a) * direction[k] for k in origin}, buffers, loss_fn,
                              x, y) for a in alphas])


def loss_plane(model: nn.Module, origin: Params, d1: Params, d2: Params, loss_fn: Callable, x: torch.Tensor,
               y: torch.Tensor, alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """``grid[j, i]``: the loss at ``origin + alphas[i] * d1 + betas[j] * d2``."""
    buffers = dict(model.named_buffers())
    grid = np.empty((len(betas), len(alphas)))
    for j, b in enumerate(betas):
        for i, a in enumerate(alphas):
            params = {k: origin[k] + float(a) * d1[k] + float(b) * d2[k] for k in origin}
            grid[j, i] = _loss_at(model, params, buffers, loss_fn, x, y)
    return grid


@dataclass
class RunSlices:
    """A run's slices: along the line final → initial (``a = 0`` final, ``a = 1`` initial), and on the plane
    of that line and a filter-normalized random direction (``b``)."""

    alphas: np.ndarray
    line: np.ndarray  # loss along final -> initial
    betas: np.ndarray
    plane: np.ndarray  # (len(betas), len(alphas))
    random_line: np.ndarray  # loss along the random direction alone, at the betas
    samples: int

    def on_the_line(self) -> tuple[float, float, float]:
        """The loss at the final weights, at the initial ones, and the highest strictly between them."""
        at = lambda a: float(self.line[int(np.argmin(np.abs(self.alphas - a)))])  # noqa: E731
        between = self.line[(self.alphas > 1e-9) & (self.alphas < 1 - 1e-9)]
        return at(0.0), at(1.0), float(between.max()) if between.size else at(0.5)

    def to_dict(self) -> dict:
        return {"alphas": self.alphas.tolist(), "line": self.line.tolist(), "betas": self.betas.tolist(),
                "plane": self.plane.tolist(), "random_line": self.random_line.tolist(), "samples": self.samples}


def slice_run(run: str | Path, *, points: int = 21, samples: int = 2048, seed: int = 0) -> RunSlices:
    """Slices of a finished run's training loss around its best weights (from its own checkpoints)."""
    from goodfit.data import prepare_data
    from goodfit.errors import RunDirError
    from goodfit.run import RunDir
    from goodfit.train.callbacks import load_checkpoint
    from goodfit.trained import load_model

    loaded = load_model(run)
    last = RunDir.open(run).checkpoints / "last.pt"
    initial = load_checkpoint(last).get("untrained") if last.is_file() else None
    if initial is None:
        raise RunDirError(f"{run} has no initial weights saved (checkpoints/last.pt); slices need a run trained "
                          "with train.checkpoint=true")
    model = loaded.model.eval()
    final = {k: v.detach() for k, v in model.named_parameters()}
    start = {k: initial[k].to(final[k].dtype) for k in final}
    data = prepare_data(loaded.config.data, optim=loaded.config.optim)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(data.train.y), size=min(samples, len(data.train.y)), replace=False))
    x = torch.from_numpy(data.train.x[pick]).float()
    y = torch.from_numpy(data.train.y[pick])
    y = y.float() if y.is_floating_point() else y
    loss_fn = loaded.task.loss_fn
    to_start = {k: start[k] - final[k] for k in final}
    random = filter_normalized_direction(model, torch.Generator().manual_seed(seed), weights=final)
    alphas = np.linspace(-0.5, 1.5, points)
    betas = np.linspace(-1.0, 1.0, points)
    return RunSlices(alphas, loss_line(model, final, to_start, loss_fn, x, y, alphas), betas,
                     loss_plane(model, final, to_start, random, loss_fn, x, y, alphas, betas),
                     loss_line(model, final, random, loss_fn, x, y, betas), len(pick))


def slices_plot(s: RunSlices, *, title: str = "") -> bytes:
    """The line final ↔ initial and the random direction (left), and the plane as contours (right)."""
    from matplotlib.colors import BoundaryNorm

    from goodfit.landscapes.figures import contour_levels
    from goodfit.report.plots import figure_png, new_figure

    fig = new_figure(10.0, 4.0)
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(s.alphas, s.line, color="#1f4f8f", lw=1.8, label="final (0) → initial (1)")
    ax.plot(s.betas, s.random_line, color="#e0262b", lw=1.2, ls="--", label="a filter-normalized random direction")
    ax.set_xlabel("step along the direction")
    ax.set_ylabel("training loss")
    ax.set_yscale("log" if np.all(s.line > 0) and s.line.max() / max(s.line.min(), 1e-12) > 50 else "linear")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax2 = fig.add_subplot(1, 2, 2)
    z = np.log10(np.clip(s.plane, 1e-12, None))
    levels = contour_levels(z)
    cs = ax2.contourf(s.alphas, s.betas, z, levels=levels, cmap="viridis", norm=BoundaryNorm(levels, 256))
    ax2.contour(s.alphas, s.betas, z, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    fig.colorbar(cs, ax=ax2, label="log10 training loss")
    ax2.plot([0], [0], "o", color="#e0262b", ms=7, label="final weights")
    ax2.plot([1], [0], "o", mfc="none", mec="#e0262b", ms=7, label="initial weights")
    ax2.plot([0, 1], [0, 0], "-", color="#e0262b", lw=1)
    ax2.set_xlabel("towards the initial weights")
    ax2.set_ylabel("random direction")
    ax2.legend(fontsize=7, loc="upper right")
    if title:
        fig.suptitle(title, fontsize=10)
    return figure_png(fig)
