"""The loss landscape around a trained run, in slices (Li et al., "Visualizing the Loss Landscape of
Neural Nets", NeurIPS 2018).

A network has far more than two parameters, so its landscape is looked at through slices: the
straight line from the initial to the final weights (did training cross a hill, or walk down one
slope?), and a plane through the final weights spanned by that line and a *filter-normalized*
random direction (each filter of the random direction scaled to the norm of the same filter in
the weights, so that the plot's scale means the same for every layer; biases and normalization
parameters are left out, as in the paper). The loss is the training loss on a fixed sample of
the training split, in eval mode. The plane of two filter-normalized random directions, the paper's
own figure, is drawn too.

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

__all__ = ["filter_normalized_direction", "loss_line", "loss_plane", "RunSlices", "slice_run", "slices_plot",
           "TrajectoryPlane", "trajectory_plane", "trajectory_plot"]

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
    random_plane: np.ndarray | None = None  # two filter-normalized random directions, both at the betas

    def on_the_line(self) -> tuple[float, float, float]:
        """The loss at the final weights, at the initial ones, and the highest strictly between them."""
        at = lambda a: float(self.line[int(np.argmin(np.abs(self.alphas - a)))])  # noqa: E731
        between = self.line[(self.alphas > 1e-9) & (self.alphas < 1 - 1e-9)]
        return at(0.0), at(1.0), float(between.max()) if between.size else at(0.5)

    def to_dict(self) -> dict:
        return {"alphas": self.alphas.tolist(), "line": self.line.tolist(), "betas": self.betas.tolist(),
                "plane": self.plane.tolist(), "random_line": self.random_line.tolist(), "samples": self.samples,
                "random_plane": None if self.random_plane is None else self.random_plane.tolist()}


def _load(run: str | Path, samples: int, seed: int):
    """The run's model (best weights), its final and initial parameters, a training sample and the loss."""
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
    return model, final, start, x, (y.float() if y.is_floating_point() else y), loaded.task.loss_fn


def slice_run(run: str | Path, *, points: int = 21, samples: int = 2048, seed: int = 0) -> RunSlices:
    """Slices of a finished run's training loss around its best weights (from its own checkpoints)."""
    model, final, start, x, y, loss_fn = _load(run, samples, seed)
    to_start = {k: start[k] - final[k] for k in final}
    gen = torch.Generator().manual_seed(seed)
    random, other = (filter_normalized_direction(model, gen, weights=final) for _ in range(2))
    alphas = np.linspace(-0.5, 1.5, points)
    betas = np.linspace(-1.0, 1.0, points)
    return RunSlices(alphas, loss_line(model, final, to_start, loss_fn, x, y, alphas), betas,
                     loss_plane(model, final, to_start, random, loss_fn, x, y, alphas, betas),
                     loss_line(model, final, random, loss_fn, x, y, betas), len(x),
                     loss_plane(model, final, random, other, loss_fn, x, y, betas, betas))


@dataclass
class TrajectoryPlane:
    """The path training took, projected on its two principal directions around the final weights."""

    epochs: list[int]  # 0 is the initial weights
    coords: np.ndarray  # (len(epochs), 2)
    explained: tuple[float, float]  # share of the path's variance along each direction
    alphas: np.ndarray
    betas: np.ndarray
    plane: np.ndarray  # loss at final + a * d1 + b * d2, (len(betas), len(alphas))


def trajectory_plane(run: str | Path, *, points: int = 21, samples: int = 2048, seed: int = 0) -> TrajectoryPlane:
    """PCA of the weights after every epoch (``train.keep_trajectory=true``) minus the final ones, and
    the training loss on the plane of the first two principal directions (Li et al. 2018, section 7)."""
    from goodfit.errors import RunDirError
    from goodfit.run import RunDir
    from goodfit.train.callbacks.trajectory import read_trajectory

    epochs, weights = read_trajectory(RunDir.open(run).checkpoints / "trajectory")
    if len(epochs) < 2:
        raise RunDirError(f"{run} kept no trajectory (fewer than 2 epochs of weights); train it with "
                          "train.keep_trajectory=true")
    model, final, start, x, y, loss_fn = _load(run, samples, seed)
    flat = lambda params: torch.cat([params[k].reshape(-1).float() for k in final]).numpy()  # noqa: E731
    path = np.vstack([flat(start)[None], weights]) - flat(final)[None]
    centred = path - path.mean(axis=0)
    _u, sing, vt = np.linalg.svd(centred, full_matrices=False)
    directions = vt[:2]
    coords = path @ directions.T
    share = (sing**2 / max(float((sing**2).sum()), 1e-30))[:2]
    d1, d2 = (_unflatten(v, final) for v in directions)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = 0.2 * np.maximum(hi - lo, 1e-6)
    alphas = np.linspace(lo[0] - pad[0], hi[0] + pad[0], points)
    betas = np.linspace(lo[1] - pad[1], hi[1] + pad[1], points)
    return TrajectoryPlane([0, *epochs], coords, (float(share[0]), float(share[1])), alphas, betas,
                           loss_plane(model, final, d1, d2, loss_fn, x, y, alphas, betas))


def _unflatten(vector: np.ndarray, like: Params) -> Params:
    out, i = {}, 0
    for k, v in like.items():
        out[k] = torch.from_numpy(vector[i:i + v.numel()].copy()).to(v.dtype).view_as(v)
        i += v.numel()
    return out


def slices_plot(s: RunSlices, *, title: str = "") -> bytes:
    """The line final ↔ initial and a random direction (left), the plane of the two (middle), and the
    plane of two random directions (right), as in Li et al.'s figures."""
    from matplotlib.colors import BoundaryNorm

    from goodfit.landscapes.colors import contour_levels
    from goodfit.report.plots import figure_png, new_figure

    fig = new_figure(15.0, 4.0)
    ax = fig.add_subplot(1, 3, 1)
    ax.plot(s.alphas, s.line, color="#1f4f8f", lw=1.8, label="final (0) → initial (1)")
    ax.plot(s.betas, s.random_line, color="#e0262b", lw=1.2, ls="--", label="a filter-normalized random direction")
    ax.set_xlabel("step along the direction")
    ax.set_ylabel("training loss")
    ax.set_yscale("log" if np.all(s.line > 0) and s.line.max() / max(s.line.min(), 1e-12) > 50 else "linear")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax2 = fig.add_subplot(1, 3, 2)
    z = np.log10(np.clip(s.plane, 1e-12, None))
    levels = contour_levels(np.concatenate([z.ravel(), np.log10(np.clip(s.random_plane, 1e-12, None)).ravel()])
                            if s.random_plane is not None else z)
    cs = ax2.contourf(s.alphas, s.betas, z, levels=levels, cmap="viridis", norm=BoundaryNorm(levels, 256))
    ax2.contour(s.alphas, s.betas, z, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    shared = [ax2]
    ax2.plot([0], [0], "o", color="#e0262b", ms=7, label="final weights")
    ax2.plot([1], [0], "o", mfc="none", mec="#e0262b", ms=7, label="initial weights")
    ax2.plot([0, 1], [0, 0], "-", color="#e0262b", lw=1)
    ax2.set_xlabel("towards the initial weights")
    ax2.set_ylabel("random direction")
    ax2.legend(fontsize=7, loc="upper right")
    if s.random_plane is not None:
        ax3 = fig.add_subplot(1, 3, 3)
        z3 = np.log10(np.clip(s.random_plane, 1e-12, None))
        ax3.contourf(s.betas, s.betas, z3, levels=levels, cmap="viridis", norm=BoundaryNorm(levels, 256))
        ax3.contour(s.betas, s.betas, z3, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
        ax3.plot([0], [0], "o", color="#e0262b", ms=7)
        ax3.set_xlabel("random direction 1")
        ax3.set_ylabel("random direction 2")
        ax3.set_title("two filter-normalized random directions", fontsize=8)
        ax3.set_xticks([-1, -0.5, 0, 0.5, 1])
        shared.append(ax3)
    fig.colorbar(cs, ax=shared, label="log10 training loss", fraction=0.04)
    if title:
        fig.suptitle(title, fontsize=10)
    return figure_png(fig)


def trajectory_plot(t: TrajectoryPlane, *, title: str = "") -> bytes:
    """The loss on the trajectory's principal plane, with the path from the initial weights to the final."""
    from matplotlib.colors import BoundaryNorm

    from goodfit.landscapes.colors import HIKER, contour_levels
    from goodfit.report.plots import figure_png, new_figure

    fig = new_figure(5.6, 4.6)
    ax = fig.add_subplot()
    z = np.log10(np.clip(t.plane, 1e-12, None))
    levels = contour_levels(z)
    cs = ax.contourf(t.alphas, t.betas, z, levels=levels, cmap="viridis", norm=BoundaryNorm(levels, 256))
    ax.contour(t.alphas, t.betas, z, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    fig.colorbar(cs, ax=ax, label="log10 training loss")
    ax.plot(t.coords[:, 0], t.coords[:, 1], "-o", color=HIKER, ms=3.5, lw=1.2)
    ax.plot(t.coords[:1, 0], t.coords[:1, 1], "o", mfc="none", mec="white", ms=9, label="initial weights")
    ax.plot([0], [0], "*", color="white", ms=11, label="final (best) weights")
    for e, (a, b) in zip(t.epochs, t.coords):
        if e in (t.epochs[1], t.epochs[len(t.epochs) // 2], t.epochs[-1]):
            ax.annotate(f"epoch {e}", (a, b), fontsize=7, color="white", xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel(f"1st principal direction ({100 * t.explained[0]:.0f} % of the path)")
    ax.set_ylabel(f"2nd principal direction ({100 * t.explained[1]:.0f} %)")
    ax.legend(fontsize=7, loc="lower right")
    if title:
        ax.set_title(title, fontsize=9)
    return figure_png(fig)
