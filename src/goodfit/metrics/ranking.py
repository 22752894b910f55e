"""Pure ranking metrics for a binary label and a real-valued score: AUROC, average precision, the
ROC curve and the threshold that maximizes F1. Convention: label 1 = positive, higher score = more
positive. Checked against scikit-learn's ``roc_auc_score``, ``average_precision_score`` and
``precision_recall_curve`` in ``tests/metrics/test_ranking.py``.

Examples:
    >>> y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    >>> auroc(y, s), round(average_precision(y, s), 4)
    (0.75, 0.8333)
"""

from __future__ import annotations

import numpy as np

from goodfit.errors import GoodfitError

__all__ = ["auroc", "average_precision", "roc_points", "best_f1_threshold", "binary_counts"]


def _check(y_true: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, s = np.asarray(y_true).astype(bool).ravel(), np.asarray(score, dtype=np.float64).ravel()
    if len(y) != len(s):
        raise GoodfitError(f"{len(y)} labels but {len(s)} scores; pass one score per sample")
    if y.all() or not y.any():
        raise GoodfitError("AUROC needs both negative (0) and positive (1) samples in y_true")
    if not np.isfinite(s).all():
        raise GoodfitError("scores contain NaN or inf; check the model's inputs")
    return y, s


def auroc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random negative), ties ½.

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


def best_f1_threshold(y_true: np.ndarray, score: np.ndarray) -> float:
    """The threshold ``t`` whose rule ``score >= t`` scores the highest F1 (the lowest such ``t`` on ties).

    Choose it on validation data, then apply it to the test set unchanged.

    Examples:
        >>> best_f1_threshold(np.array([0, 0, 1, 1, 0]), np.array([0.1, 0.3, 0.6, 0.9, 0.7]))
        0.6
    """
    y, s = _check(y_true, score)
    tps, fps, thresholds = _sorted_counts(y, s)
    f1 = 2 * tps / (tps + fps + y.sum())  # 2PR/(P+R) = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + P)
    return float(thresholds[int(np.argmax(f1))])


def binary_counts(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1 and accuracy of 0/1 predictions (zero division scores 0).

    Examples:
        >>> binary_counts(np.array([0, 1, 1]), np.array([0, 1, 0]))["recall"]
        0.5
    """
    y, p = np.asarray(y_true).astype(bool).ravel(), np.asarray(y_pred).astype(bool).ravel()
    tp, fp, fn = int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": float((p == y).mean()) if len(y) else 0.0}
