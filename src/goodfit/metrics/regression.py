"""Pure regression metrics on real-valued targets, ``(N,)`` or ``(N, K)`` (averaged over outputs).

Checked against scikit-learn's ``mean_absolute_error``, ``mean_squared_error`` and ``r2_score`` in
``tests/metrics/test_regression.py``.

Examples:
    >>> y, p = np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0])
    >>> mae(y, p), round(rmse(y, p), 4), round(r2(y, p), 4)
    (0.5, 0.6124, 0.9486)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["mae", "rmse", "r2", "regression_summary"]


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    if p.ndim == 1:
        p = p[:, None]
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {t.shape} vs {p.shape}")
    return t, p


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error, in the targets' units."""
    t, p = _pair(y_true, y_pred)
    return float(np.abs(t - p).mean()) if t.size else float("nan")


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error (over all outputs and samples), in the targets' units."""
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(((t - p) ** 2).mean())) if t.size else float("nan")


def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` per output, then averaged (as scikit-learn's
    ``r2_score`` with ``multioutput="uniform_average"``). 0: no better than predicting the mean of
    ``y_true``; negative: worse. A constant ``y_true`` gives 1.0 for perfect predictions, else 0.0."""
    t, p = _pair(y_true, y_pred)
    if len(t) < 2:
        return float("nan")
    ss_res = ((t - p) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
    return float(scores.mean())


def regression_summary(y_true: Any, y_pred: Any) -> dict[str, float]:
    """MAE, RMSE and R², JSON-ready."""
    return {"mae": mae(y_true, y_pred), "rmse": rmse(y_true, y_pred), "r2": r2(y_true, y_pred)}
