"""Figures of the analog experiments as PNG bytes (matplotlib's Agg canvas, imported lazily).

Examples:
    >>> png = robustness_plot({"noise": {"x": [0, 2], "label": "noise std",
    ...     "curves": {"a": {"mean": [0.9, 0.8], "std": [0, 0.01]}}, "nominal": 2}})
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from goodfit.report.plots import figure_png, new_figure

__all__ = ["compare_plot", "robustness_plot"]

def compare_plot(accuracies: Mapping[str, Sequence[float]],
                 curves: Mapping[str, Sequence[Sequence[float]]]) -> bytes:
    """Left: test accuracy per model (bar = mean, error bar = std, dots = seeds). Right: valid
    accuracy per epoch, one thin line per seed.

    Args:
        accuracies: model name → test accuracy of each seed.
        curves: model name → per seed, the valid accuracy of each epoch.
    """
    fig = new_figure(9.0, 3.4)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    names = list(accuracies)
    for i, name in enumerate(names):
        acc = np.asarray(accuracies[name], dtype=float)
        left.bar(i, acc.mean(), yerr=acc.std(ddof=1) if len(acc) > 1 else 0, color=f"C{i}", alpha=0.6,
                 capsize=6)
        left.plot(np.full(len(acc), i), acc, "k.", markersize=5)
    lows = [min(v) for v in accuracies.values() if len(v)]
    left.set_ylim(max(0.0, min(lows, default=0.9) - 0.02), 1.0)
    left.set_xticks(range(len(names)), names)
    left.set_ylabel("test accuracy")
    left.grid(axis="y", alpha=0.3)
    for i, name in enumerate(curves):
        for j, curve in enumerate(curves[name]):
            right.plot(range(1, len(curve) + 1), curve, color=f"C{i}", alpha=0.8, linewidth=1,
                       label=name if j == 0 else None)
    right.set_xlabel("epoch")
    right.set_ylabel("valid accuracy")
    right.grid(alpha=0.3)
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return figure_png(fig)


def robustness_plot(sweeps: Mapping[str, Mapping[str, Any]]) -> bytes:
    """One panel per sweep: test accuracy (mean ± std over repeats) against the swept value.

    Args:
        sweeps: sweep name → ``{"x": values, "label": axis label, "nominal": the chip's value,
            "curves": {model label: {"mean": [...], "std": [...]}}}``.
    """
    n = len(sweeps)
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    fig = new_figure(4.6 * cols, 3.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, (name, sweep) in zip(axes[:n], sweeps.items(), strict=True):
        for i, (label, curve) in enumerate(sweep["curves"].items()):
            ax.errorbar(sweep["x"], curve["mean"], yerr=curve["std"], fmt="-o", markersize=3,
                        capsize=3, color=f"C{i}", label=label)
        if sweep.get("nominal") is not None:
            ax.axvline(sweep["nominal"], color="grey", linestyle=":", linewidth=1, label="chip default")
        ax.set_xlabel(sweep["label"])
        ax.set_ylabel("test accuracy")
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return figure_png(fig)
