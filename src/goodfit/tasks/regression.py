"""Real-valued targets: ``regression`` (any number of outputs; MSE, L1 or Huber loss).

Targets are standardized with the training split's mean and standard deviation (``data.target_scaling``,
fitted on train only, like the inputs): the loss and ``valid_loss`` are in those units, while every
metric (MAE, RMSE, R²) and every prediction is in the target's own units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from goodfit.errors import ConfigError, DataError
from goodfit.metrics import r2, regression_summary
from goodfit.tasks.base import Task

if TYPE_CHECKING:
    from goodfit.config import DataConfig, OptimConfig

__all__ = ["Regression"]


class Regression(Task):
    """Predict ``K`` real values per sample (``K = 1`` for a ``(N,)`` target).

    Examples:
        >>> task = Regression().fit(np.zeros((4, 2)), np.array([1.0, 2.0, 3.0, 4.0]), classes=())
        >>> _, y = task.pair(np.zeros((2, 2)), np.array([1.0, 4.0]), seed=0, train=False)
        >>> y.astype(float).round(3).tolist(), task.decode(torch.from_numpy(y)).round(5).tolist()
        ([[-1.342], [1.342]], [[1.0], [4.0]])
    """

    name = "regression"
    losses = ("mse", "l1", "huber")
    score, score_key = "r2", "valid_r2"
    score_range = (float("-inf"), 1.0)
    summary = ("r2", "mae", "rmse", "loss")
    baseline = "mean"
    underfit_fraction = 0.8  # noisy targets may not allow much better than R² 0.5: flag only R² < 0.2 on train

    def __init__(self, *, target_scaling: str = "standardize", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if target_scaling not in ("standardize", "none"):
            raise ConfigError(f"data.target_scaling={target_scaling!r}: choose standardize or none")
        self.target_scaling = target_scaling
        self.mean_: np.ndarray | None = None  # (K,), learned on the training split
        self.std_: np.ndarray | None = None

    @classmethod
    def from_config(cls, data: DataConfig, optim: OptimConfig) -> Regression:
        super().from_config(data, optim)  # rejects other tasks' options
        return cls(loss=optim.loss, label_smoothing=optim.label_smoothing, target_scaling=data.target_scaling)

    def fit(self, x_train: np.ndarray, y_train: np.ndarray, *, classes: tuple[str, ...]) -> Regression:
        y = _values(y_train)
        if len(y) < 2:
            raise DataError("regression needs at least 2 training samples")
        if self.target_scaling == "standardize":
            std = y.std(axis=0)
            self.mean_, self.std_ = y.mean(axis=0), np.where(std > 1e-12, std, 1.0)
        else:
            self.mean_, self.std_ = np.zeros(y.shape[1]), np.ones(y.shape[1])
        return self

    def pair(self, x: np.ndarray, y: np.ndarray, *, seed: int, train: bool) -> tuple[np.ndarray, np.ndarray]:
        return x, ((_values(y) - self.mean_) / self.std_).astype(np.float32)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (len(self.mean_),)

    def valid_numbers(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        y, p = self.decode(targets), self.decode(outputs)
        return {"valid_loss": self.loss(outputs, targets), "valid_mae": float(np.abs(y - p).mean()),
                "valid_r2": r2(y, p)}

    def evaluate(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, Any]:
        return {"loss": self.loss(outputs, targets), **regression_summary(self.decode(targets), self.decode(outputs))}

    def baselines(self, train_targets: torch.Tensor, test_inputs: torch.Tensor,
                  test_targets: torch.Tensor) -> dict[str, Any]:
        mean = train_targets.mean(0, keepdim=True).expand_as(test_targets)  # the training mean, always
        return {"mean": regression_summary(self.decode(test_targets), self.decode(mean)),
                "chance_loss": self.loss(mean, test_targets)}

    def decode(self, outputs: torch.Tensor) -> np.ndarray:
        return outputs.float().numpy().reshape(len(outputs), -1) * self.std_ + self.mean_  # (N, K), target units

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "target_scaling": self.target_scaling,
                "mean": self.mean_.tolist(), "std": self.std_.tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean_, self.std_ = np.asarray(state["mean"], np.float64), np.asarray(state["std"], np.float64)


def _values(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.number):
        raise DataError(f"regression needs numeric targets, got {y.dtype}")
    y = y.astype(np.float64).reshape(len(y), -1)
    if not np.isfinite(y).all():
        raise DataError("regression targets contain NaN or inf; fill or drop those rows first")
    return y
