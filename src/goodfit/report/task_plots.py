"""Figures for tasks beyond class labels: a validation-score curve, the ROC curve of a binary model,
predicted against true values for regression, and input / output / target rows for array tasks.

Examples:
    >>> png = regression_scatter(np.array([1.0, 2.0, 3.0]), np.array([1.1, 1.9, 3.2]), name="y")
    >>> png[:4] == b"\\x89PNG"
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from goodfit.report.plots import curve_figure, figure_png, image_for_display, new_figure

__all__ = ["score_curve", "roc_plot", "regression_scatter", "examples_grid", "target_features_plot"]


def score_curve(history: Sequence[dict[str, Any]], key: str, label: str, *, best_epoch: int | None = None,
                reference: float | None = None, reference_label: str = "baseline", fraction: bool = False) -> bytes:
    """Train (when kept) and valid ``key`` per epoch (``key``: the history suffix, e.g. ``auroc``, ``r2``)."""
    fig, ax = curve_figure(history, key, label, best_epoch=best_epoch, reference=reference,
                           reference_label=reference_label)
    if fraction:
        ax.set_ylim(-0.02, 1.02)
    return figure_png(fig)


def roc_plot(y_true: np.ndarray, prob: np.ndarray, *, auroc: float | None = None) -> bytes:
    """The test ROC curve against the diagonal of a no-skill score."""
    from goodfit.metrics import roc_points

    fig = new_figure(4.2, 4.0)
    ax = fig.add_subplot()
    if 0 < int(np.sum(y_true)) < len(y_true):
        fpr, tpr = roc_points(y_true, prob)
        ax.plot(fpr, tpr, lw=1.6, label=f"model (AUROC {auroc:.3f})" if auroc is not None else "model")
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label="no skill (AUROC 0.5)")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return figure_png(fig)


def regression_scatter(y_true: np.ndarray, y_pred: np.ndarray, *, name: str = "target") -> bytes:
    """Predicted against true values (first target), with the line of perfect predictions."""
    t = np.asarray(y_true, float).reshape(len(y_true), -1)[:, 0]
    p = np.asarray(y_pred, float).reshape(len(y_pred), -1)[:, 0]
    fig = new_figure(4.4, 4.2)
    ax = fig.add_subplot()
    ax.scatter(t, p, s=12, alpha=0.7)
    lo, hi = float(min(t.min(initial=0), p.min(initial=0))), float(max(t.max(initial=1), p.max(initial=1)))
    ax.plot([lo, hi], [lo, hi], ls=":", color="grey", label="perfect")
    ax.axhline(float(t.mean()) if len(t) else 0.0, color="tab:orange", lw=1, ls="--", label="the mean")
    ax.set_xlabel(f"true {name}")
    ax.set_ylabel(f"predicted {name}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_png(fig)


def examples_grid(inputs: np.ndarray, outputs: np.ndarray, targets: np.ndarray, *,
                  rows: tuple[str, str, str] = ("input", "output", "target")) -> bytes:
    """Three rows of images (``(N, C, H, W)``): the model's input, its output and the target, per column."""
    n = min(len(inputs), 8)
    fig = new_figure(1.1 * n + 0.8, 3.6)
    for r, (label, arr) in enumerate(zip(rows, (inputs, outputs, targets))):
        for c in range(n):
            ax = fig.add_subplot(3, n, r * n + c + 1)
            img, cmap = image_for_display(np.asarray(arr[c]))
            ax.imshow(img, cmap=cmap)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
    return figure_png(fig)


def target_features_plot(x: np.ndarray, y: np.ndarray, *, name: str = "target", max_features: int = 3) -> bytes:
    """For a regression table: the target's histogram, and the target against each of the first features."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    t = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
    k = min(max_features, x.shape[1])
    fig = new_figure(3.2 * (k + 1), 3.0)
    ax = fig.add_subplot(1, k + 1, 1)
    ax.hist(t[np.isfinite(t)], bins=30, color="tab:orange", alpha=0.8)
    ax.set_xlabel(name)
    ax.set_ylabel("count")
    for j in range(k):
        ax = fig.add_subplot(1, k + 1, j + 2)
        ax.scatter(x[:, j], t, s=6, alpha=0.5)
        ax.set_xlabel(f"feature {j}")
        ax.set_ylabel(name if j == 0 else "")
    fig.subplots_adjust(wspace=0.35)
    return figure_png(fig)
