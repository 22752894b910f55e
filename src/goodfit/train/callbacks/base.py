"""The handful of typed events the training loop emits, and the state callbacks see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["Callback", "TrainState"]


@dataclass
class TrainState:
    """What the loop knows. Callbacks read it and may set ``should_stop`` / ``stop_reason``."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    epochs: int
    steps_per_epoch: int
    epoch: int = 0  # completed epochs
    step: int = 0  # completed optimizer steps
    history: list[dict[str, float]] = field(default_factory=list)
    should_stop: bool = False
    stop_reason: str | None = None
    best_epoch: int | None = None
    best_valid_loss: float = float("inf")
    score_key: str = "valid_acc"  # the history column that selects models (the task's score; higher is better)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. batch-generator state for resume

    @property
    def last(self) -> dict[str, float]:
        return self.history[-1] if self.history else {}


class Callback:
    """Override the events you need. ``state_dict`` lets a resumed run restore the callback."""

    def on_fit_start(self, state: TrainState) -> None: ...

    def on_batch_end(self, state: TrainState, loss: torch.Tensor) -> None: ...

    def on_epoch_end(self, state: TrainState) -> None: ...

    def on_fit_end(self, state: TrainState) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...
