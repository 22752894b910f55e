"""Anomaly-detection figures as PNG bytes: ROC curves, the most / least anomalous images, contamination.

Examples:
    >>> from goodfit.anomaly.metrics import FPR_GRID
    >>> roc_plot({"a@raw": FPR_GRID ** 0.3}, title="demo")[:4] == b"\\x89PNG"
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from goodfit.anomaly.metrics import FPR_GRID
from goodfit.generative.plots import mosaic
from goodfit.report.plots import figure_png, new_figure

__all__ = ["roc_plot", "extremes_plot", "contamination_plot"]


def roc_plot(curves: dict[str, np.ndarray], *, title: str = "") -> bytes:
    """ROC curves sampled on :data:`FPR_GRID` (one per method), with the chance diagonal."""
    fig = new_figure(5.6, 4.4)
    ax = fig.add_subplot()
    for label, tpr in curves.items():
        ax.plot(FPR_GRID, tpr, linewidth=1.3, label=label)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("false-positive rate (normal flagged)")
    ax.set_ylabel("true-positive rate (anomaly flagged)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=9)
    return figure_png(fig)


def extremes_plot(most: np.ndarray, least: np.ndarray, image_shape: Sequence[int], *, title: str = "") -> bytes:
    """Two 5×5 mosaics: the test images a detector finds most anomalous, and most normal."""
    fig = new_figure(6.0, 3.3)
    for i, (images, name) in enumerate(((most, "most anomalous"), (least, "least anomalous"))):
        ax = fig.add_subplot(1, 2, i + 1)
        grid = mosaic(np.asarray(images).reshape(len(images), *image_shape), cols=5)
        ax.imshow(grid, cmap=None if grid.ndim == 3 else "gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(name, fontsize=8)
    fig.suptitle(title, fontsize=9)
    return figure_png(fig)


def contamination_plot(summary: Sequence[dict[str, Any]]) -> bytes:
    """Mean AUROC over classes against the training contamination, ± std over seeds, per method."""
    fig = new_figure(5.6, 3.8)
    ax = fig.add_subplot()
    methods = list(dict.fromkeys(s["method"] for s in summary))
    for m in methods:
        pts = sorted((float(s["group"]), s["auroc"]["mean"], s["auroc"]["std_seeds"]) for s in summary
                     if s["method"] == m)
        x, y, e = (np.array(v) for v in zip(*pts))
        ax.errorbar(100 * x, y, yerr=e, marker="o", markersize=3, capsize=2, linewidth=1.2, label=m)
    ax.set_xlabel("anomalies in the training data (%)")
    ax.set_ylabel("mean AUROC over classes")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return figure_png(fig)
