"""Pure classification metrics on integer label arrays (numpy or anything array-like).

Checked against scikit-learn in ``tests/metrics/test_classification.py``. Zero-division cases (a class never
predicted or never present) score 0, as ``sklearn``'s ``zero_division=0``.

Examples:
    >>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
    0.75
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

__all__ = [
    "accuracy",
    "confusion_matrix",
    "precision_recall_f1",
    "classification_summary",
    "majority_baseline",
]


def _labels(y: Any) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {arr.shape}")
    return arr.astype(np.int64)


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of exact matches."""
    t, p = _labels(y_true), _labels(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length: {len(t)} vs {len(p)}")
    return float((t == p).mean()) if len(t) else float("nan")


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as ``j``.

    Examples:
        >>> confusion_matrix([0, 1, 1], [0, 0, 1]).tolist()
        [[1, 0], [1, 1]]
    """
    t, p = _labels(y_true), _labels(y_pred)
    k = n_classes if n_classes is not None else int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def precision_recall_f1(
    y_true: Any,
    y_pred: Any,
    n_classes: int | None = None,
    *,
    average: Literal["macro", "none"] = "macro",
) -> tuple[Any, Any, Any]:
    """Precision, recall and F1, per class (``average="none"``) or their unweighted mean."""
    cm = confusion_matrix(y_true, y_pred, n_classes).astype(np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    if average == "none":
        return precision, recall, f1
    return float(precision.mean()), float(recall.mean()), float(f1.mean())


def classification_summary(y_true: Any, y_pred: Any, n_classes: int) -> dict[str, Any]:
    """Accuracy, macro precision / recall / F1, per-class F1 and the confusion matrix, JSON-ready."""
    p, r, f = precision_recall_f1(y_true, y_pred, n_classes)
    _, _, f_per = precision_recall_f1(y_true, y_pred, n_classes, average="none")
    return {
        "accuracy": accuracy(y_true, y_pred),
        "precision_macro": p,
        "recall_macro": r,
        "f1_macro": f,
        "f1_per_class": [float(v) for v in f_per],
        "confusion_matrix": confusion_matrix(y_true, y_pred, n_classes).tolist(),
    }


def majority_baseline(y_train: Any, y_eval: Any) -> dict[str, float | int]:
    """Accuracy of always predicting the most frequent training class on ``y_eval``."""
    t = _labels(y_train)
    majority = int(np.bincount(t).argmax())
    return {"class": majority, "accuracy": accuracy(y_eval, np.full(len(_labels(y_eval)), majority))}
