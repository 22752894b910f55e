"""What a task is: the contract every kind of learning problem fulfils for goodfit's loop, checks,
metrics and reports.

A task owns what depends on the kind of target and nothing else: how targets are encoded for the
loss (and what a model must output for them), the loss itself, the running numbers an epoch keeps,
the per-epoch validation numbers, the final metrics, the baselines a model must beat, and the score
that selects models (search, ``--seeds``, ``train.target``; higher is always better). Like a
scikit-learn estimator it is made from the config, :meth:`Task.fit` on the training split (classes,
target scaling), and then treats every split the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from torch import nn

from goodfit.errors import ConfigError

if TYPE_CHECKING:
    from goodfit.config import DataConfig, OptimConfig

__all__ = ["Task", "LOSSES", "Corrupt"]

Corrupt = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]  # a batch's inputs, made on the fly

LOSSES: dict[str, Callable[[float], nn.Module]] = {  # optim.loss -> the loss module (given label smoothing)
    "ce": lambda smoothing: nn.CrossEntropyLoss(label_smoothing=smoothing),
    "bce": lambda _: nn.BCEWithLogitsLoss(),
    "mse": lambda _: nn.MSELoss(),
    "l1": lambda _: nn.L1Loss(),
    "huber": lambda _: nn.HuberLoss(),
}


class Task:
    """A kind of learning problem (see the module docstring); subclasses fill in the class attributes
    and the methods that raise ``NotImplementedError``."""

    name: ClassVar[str]
    losses: ClassVar[tuple[str, ...]]  # the optim.loss values that fit; the first is the default
    score: ClassVar[str]  # the metric that selects models, higher is better (e.g. "accuracy")
    score_key: ClassVar[str]  # its per-epoch history column (e.g. "valid_acc")
    score_range: ClassVar[tuple[float, float]] = (0.0, 1.0)  # where train.target may lie
    summary: ClassVar[tuple[str, ...]]  # what a study reports per split, the score first
    baseline: ClassVar[str]  # the no-skill baseline's name in metrics["baselines"]
    counts_correct: ClassVar[bool] = False  # epochs keep a train accuracy ("train_acc")
    underfit_fraction: ClassVar[float] = 0.5  # training loss above this share of the no-skill loss: underfitting

    def __init__(self, *, loss: str = "auto", label_smoothing: float = 0.0) -> None:
        self.loss_name = self.losses[0] if loss == "auto" else loss
        if self.loss_name not in self.losses:
            raise ConfigError(f"optim.loss={loss} does not fit data.task={self.name}; "
                              f"choose {' or '.join(self.losses)} (or auto)")
        if label_smoothing and self.loss_name != "ce":
            raise ConfigError(f"optim.label_smoothing applies to cross-entropy, not to data.task={self.name} "
                              f"with optim.loss={self.loss_name}; leave it 0")
        self.label_smoothing = label_smoothing
        self.loss_fn: nn.Module = LOSSES[self.loss_name](label_smoothing)

    @classmethod
    def from_config(cls, data: DataConfig, optim: OptimConfig) -> Task:
        """The task as a run's config asks for it (options of other tasks are rejected)."""
        from goodfit.config import DataConfig

        if data.noise_std != DataConfig.noise_std and cls.name != "denoising":
            raise ConfigError(f"data.noise_std is for data.task=denoising, not {cls.name}; leave it out")
        if data.target_scaling != DataConfig.target_scaling and cls.name != "regression":
            raise ConfigError(f"data.target_scaling is for data.task=regression, not {cls.name}; leave it out")
        return cls(loss=optim.loss, label_smoothing=optim.label_smoothing)

    # ------------------------------------------------------------------ targets
    def fit(self, x_train: np.ndarray, y_train: np.ndarray, *, classes: tuple[str, ...]) -> Task:
        """Learn what the targets need from the (scaled) training split; returns ``self``."""
        return self

    def pair(self, x: np.ndarray, y: np.ndarray, *, seed: int, train: bool) -> tuple[np.ndarray, np.ndarray]:
        """The ``(inputs, targets)`` of one split, as the model and the loss see them."""
        raise NotImplementedError

    def corrupt(self) -> Corrupt | None:
        """A function that makes a training batch's inputs on the fly (fresh noise each epoch), or None."""
        return None

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """What the model must output per sample."""
        raise NotImplementedError

    def check_target(self, value: float | None) -> None:
        """``train.target`` (stop once the validation score reaches it) must be reachable."""
        lo, hi = self.score_range
        if value is not None and not lo < value <= hi:
            raise ConfigError(f"train.target={value} is the validation {self.score} to stop at; "
                              f"for data.task={self.name} it must lie in ({lo:g}, {hi:g}]")

    # ------------------------------------------------------------------ training
    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> float:
        """The mean loss over ``outputs`` (float, as the training loss is averaged)."""
        return float(self.loss_fn(outputs, targets)) if len(targets) else float("nan")

    def count_correct(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Correct predictions among ``outputs`` (tasks with ``counts_correct``)."""
        raise NotImplementedError

    def valid_numbers(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        """The validation columns of an epoch's history row (``valid_loss`` and the score's)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ evaluation
    def select_on_valid(self, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        """Choose what is chosen on validation data (a decision threshold) before the test evaluation."""

    def evaluate(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, Any]:
        """Every metric of one split (``loss`` included), JSON-ready."""
        raise NotImplementedError

    def baselines(self, train_targets: torch.Tensor, test_inputs: torch.Tensor,
                  test_targets: torch.Tensor) -> dict[str, Any]:
        """Scores of no-skill predictions on the test split, and ``chance_loss``: the loss of the no-skill
        prediction (ln C for C classes), the level "underfitting" is measured against."""
        raise NotImplementedError

    def decode(self, outputs: torch.Tensor) -> np.ndarray:
        """Predictions in the data's own terms (probabilities, values in the target's units, arrays)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ saving
    def state_dict(self) -> dict[str, Any]:
        """What a loaded run needs to rebuild this fitted task (JSON-ready)."""
        return {"name": self.name, "loss": self.loss_name, "label_smoothing": self.label_smoothing}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`fit` (and :meth:`select_on_valid`) learned."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(loss={self.loss_name!r})"
