"""Ranking metrics for anomaly scores. Convention: label 1 = anomaly, higher score = more anomalous.

(A detector's ``score_samples`` is higher for *normal* samples: pass its negative.) AUROC, AP and
the ROC curve are :mod:`goodfit.metrics.ranking`'s; here are the averaged ROC curve and the
precision / recall at a detector's threshold.

Examples:
    >>> y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    >>> auroc(y, s), round(average_precision(y, s), 4)
    (0.75, 0.8333)
"""

from __future__ import annotations

import numpy as np

from goodfit.metrics.ranking import auroc, average_precision, roc_points

__all__ = ["auroc", "average_precision", "roc_points", "mean_roc", "precision_recall_at", "FPR_GRID"]

FPR_GRID = np.linspace(0.0, 1.0, 101)  # where ROC curves are sampled for averaging and plots


def mean_roc(y_true: np.ndarray, score: np.ndarray) -> np.ndarray:
    """TPR on :data:`FPR_GRID` (for averaging curves over tasks: "vertical averaging")."""
    fpr, tpr = roc_points(y_true, score)
    return np.interp(FPR_GRID, fpr, tpr)


def precision_recall_at(y_true: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall, F1 and false-alarm rate when ``score > threshold`` flags an anomaly.

    Examples:
        >>> precision_recall_at(np.array([0, 1, 1]), np.array([0.2, 0.9, 0.1]), 0.5)["recall"]
        0.5
    """
    y, s = np.asarray(y_true).astype(bool), np.asarray(score, dtype=np.float64)
    flagged = s > threshold
    tp, fp = int((flagged & y).sum()), int((flagged & ~y).sum())
    fn = int((~flagged & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "false_alarm_rate": fp / max(int((~y).sum()), 1), "flagged": int(flagged.sum())}
