"""Pure ranking metrics for anomaly scores. Convention: label 1 = anomaly, higher score = more anomalous.

(A detector's ``score_samples`` is higher for *normal* samples: pass its negative.) Tested
against scikit-learn's ``roc_auc_score`` and ``average_precision_score``.

Example:
    >>> y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    >>> auroc(y, s), round(average_precision(y, s), 4)
    (0.75, 0.8333)
"""

from __future__ import annotations

import numpy as np

from goodfit.errors import GoodfitError

__all__ = ["auroc", "average_precision", "roc_points", "mean_roc", "precision_recall_at", "FPR_GRID"]

FPR_GRID = np.linspace(0.0, 1.0, 101)  # where ROC curves are sampled for averaging and plots


def _check(y_true: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, s = np.asarray(y_true).astype(bool).ravel(), np.asarray(score, dtype=np.float64).ravel()
    if len(y) != len(s):
        raise GoodfitError(f"{len(y)} labels but {len(s)} scores; pass one score per sample")
    if y.all() or not y.any():
        raise GoodfitError("AUROC needs both normal (0) and anomalous (1) samples in y_true")
    if not np.isfinite(s).all():
        raise GoodfitError("anomaly scores contain NaN or inf; check the detector's inputs")
    return y, s


def auroc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random anomaly > score of a random normal), ties ½.

    Computed from ranks (Mann-Whitney U), in O(N log N).
    """
    from scipy.stats import rankdata

    y, s = _check(y_true, score)
    ranks = rankdata(s)  # ties get their average rank
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _sorted_counts(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives at each distinct threshold, from the highest score down."""
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last position of each distinct score
    tps = np.cumsum(y)[last]
    return tps, (last + 1) - tps, s[last]


def average_precision(y_true: np.ndarray, score: np.ndarray) -> float:
    """Average precision: ``sum_n (R_n - R_{n-1}) P_n`` over distinct thresholds (as scikit-learn)."""
    y, s = _check(y_true, score)
    tps, fps, _ = _sorted_counts(y, s)
    precision, recall = tps / (tps + fps), tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def roc_points(y_true: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ROC curve's ``(fpr, tpr)`` corners, starting at (0, 0)."""
    y, s = _check(y_true, score)
    tps, fps, _ = _sorted_counts(y, s)
    return np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]]


def mean_roc(y_true: np.ndarray, score: np.ndarray) -> np.ndarray:
    """TPR on :data:`FPR_GRID` (for averaging curves over tasks: "vertical averaging")."""
    fpr, tpr = roc_points(y_true, score)
    return np.interp(FPR_GRID, fpr, tpr)


def precision_recall_at(y_true: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall, F1 and false-alarm rate when ``score > threshold`` flags an anomaly.

    Example:
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
