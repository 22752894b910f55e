"""Class labels: ``classification`` (C logits, cross-entropy) and ``binary`` (one logit, BCE)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from goodfit.errors import DataError
from goodfit.metrics import (
    auroc,
    average_precision,
    best_f1_threshold,
    binary_counts,
    classification_summary,
    confusion_matrix,
    majority_baseline,
)
from goodfit.tasks.base import Task

__all__ = ["Classification", "Binary"]


class Classification(Task):
    """Integer labels in ``[0, C)``; the model outputs C logits and the loss owns the softmax.

    Examples:
        >>> task = Classification().fit(np.zeros((4, 2)), np.array([0, 1, 2, 1]), classes=("a", "b", "c"))
        >>> task.output_shape((2,)), task.loss_name
        ((3,), 'ce')
    """

    name = "classification"
    losses = ("ce",)
    score, score_key = "accuracy", "valid_acc"
    summary = ("accuracy", "f1_macro", "loss")
    baseline = "majority"
    counts_correct = True

    def __init__(self, *, n_classes: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_classes = n_classes  # set by fit() from the data set's classes

    def fit(self, x_train: np.ndarray, y_train: np.ndarray, *, classes: tuple[str, ...]) -> Classification:
        self.n_classes = len(classes)
        if self.n_classes < 2:
            raise DataError(f"classification needs at least 2 classes; the data have {self.n_classes}")
        return self

    def pair(self, x: np.ndarray, y: np.ndarray, *, seed: int, train: bool) -> tuple[np.ndarray, np.ndarray]:
        return x, np.asarray(y, dtype=np.int64)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.n_classes,)

    def count_correct(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return (outputs.argmax(1) == targets).sum()

    def valid_numbers(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        return {"valid_loss": self.loss(outputs, targets),
                "valid_acc": float((outputs.argmax(1) == targets).float().mean())}

    def evaluate(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, Any]:
        summary = classification_summary(targets.numpy(), outputs.argmax(1).numpy(), self.n_classes)
        return {"loss": self.loss(outputs, targets), **summary}

    def baselines(self, train_targets: torch.Tensor, test_inputs: torch.Tensor,
                  test_targets: torch.Tensor) -> dict[str, Any]:
        return {"majority": majority_baseline(train_targets.numpy(), test_targets.numpy()),
                "chance_loss": math.log(max(self.n_classes, 2))}

    def decode(self, outputs: torch.Tensor) -> np.ndarray:
        return F.softmax(outputs.float(), dim=1).numpy()  # (N, C) probabilities

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "n_classes": self.n_classes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.n_classes = int(state["n_classes"])


class Binary(Task):
    """Labels 0 / 1 (the data set's two classes); the model outputs one logit, ``BCEWithLogitsLoss``
    owns the sigmoid. A decision threshold is chosen on the validation split (best F1) and reported
    beside the usual 0.5; AUROC and average precision do not depend on it.

    Examples:
        >>> task = Binary().fit(np.zeros((4, 2)), np.array([0, 1, 1, 0]), classes=("no", "yes"))
        >>> x, y = task.pair(np.zeros((2, 3)), np.array([1, 0]), seed=0, train=True)
        >>> y.tolist(), task.output_shape((3,))
        ([[1.0], [0.0]], (1,))
    """

    name = "binary"
    losses = ("bce",)
    score, score_key = "auroc", "valid_auroc"
    summary = ("auroc", "ap", "f1_at_threshold", "accuracy", "loss")
    baseline = "majority"
    counts_correct = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.threshold = 0.5  # on the probability; chosen on validation data by select_on_valid

    def fit(self, x_train: np.ndarray, y_train: np.ndarray, *, classes: tuple[str, ...]) -> Binary:
        if len(classes) != 2:
            raise DataError(f"data.task=binary needs exactly 2 classes; the data have {len(classes)} "
                            f"({', '.join(classes[:5])}); use data.task=classification")
        return self

    def pair(self, x: np.ndarray, y: np.ndarray, *, seed: int, train: bool) -> tuple[np.ndarray, np.ndarray]:
        y = np.asarray(y)
        if y.size and not np.isin(y, (0, 1)).all():
            raise DataError("data.task=binary needs targets 0 and 1; found other values")
        return x, y.astype(np.float32).reshape(-1, 1)  # (N, 1), like the model's one logit

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (1,)

    def count_correct(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return ((outputs > 0) == (targets > 0.5)).sum()

    def valid_numbers(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        return {"valid_loss": self.loss(outputs, targets),
                "valid_acc": float(((outputs > 0) == (targets > 0.5)).float().mean()),
                "valid_auroc": _auroc_or_nan(targets, outputs)}

    def select_on_valid(self, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        y = targets.numpy().ravel()
        if 0 < y.sum() < len(y):
            self.threshold = best_f1_threshold(y, torch.sigmoid(outputs.float()).numpy().ravel())

    def evaluate(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, Any]:
        y, p = targets.numpy().ravel().astype(np.int64), torch.sigmoid(outputs.float()).numpy().ravel()
        at_half, at_t = binary_counts(y, p >= 0.5), binary_counts(y, p >= self.threshold)
        both = 0 < y.sum() < len(y)
        return {
            "loss": self.loss(outputs, targets),
            "auroc": auroc(y, p) if both else float("nan"),
            "ap": average_precision(y, p) if both else float("nan"),
            **at_half,
            "threshold": self.threshold,
            "f1_at_threshold": at_t["f1"], "precision_at_threshold": at_t["precision"],
            "recall_at_threshold": at_t["recall"], "accuracy_at_threshold": at_t["accuracy"],
            "confusion_matrix": confusion_matrix(y, (p >= self.threshold).astype(np.int64), 2).tolist(),
        }

    def baselines(self, train_targets: torch.Tensor, test_inputs: torch.Tensor,
                  test_targets: torch.Tensor) -> dict[str, Any]:
        y_train, y_test = train_targets.numpy().ravel(), test_targets.numpy().ravel()
        prior = float(np.clip(y_train.mean(), 1e-6, 1 - 1e-6))  # the positive rate of the training split
        logit = torch.full_like(test_targets, math.log(prior / (1 - prior)))
        return {"majority": majority_baseline(y_train.astype(np.int64), y_test.astype(np.int64)),
                "prior": {"positive_rate": prior, "auroc": 0.5, "loss": self.loss(logit, test_targets)},
                "chance_loss": -(prior * math.log(prior) + (1 - prior) * math.log(1 - prior))}

    def decode(self, outputs: torch.Tensor) -> np.ndarray:
        return torch.sigmoid(outputs.float()).numpy().reshape(-1)  # (N,) probability of class 1

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "threshold": self.threshold}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.threshold = float(state.get("threshold", 0.5))


def _auroc_or_nan(targets: torch.Tensor, outputs: torch.Tensor) -> float:
    y = targets.numpy().ravel()
    if not 0 < y.sum() < len(y) or not torch.isfinite(outputs).all():
        return float("nan")
    return auroc(y, outputs.float().numpy().ravel())
