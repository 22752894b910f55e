"""Stop on a validation-loss plateau, or once valid accuracy reaches a target."""

from __future__ import annotations

from typing import Any

from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stop when ``valid_loss`` has not improved by ``min_delta`` for ``patience`` epochs
    (``patience=0``: never), or when ``valid_acc >= target`` (``None``: never)."""

    def __init__(self, *, patience: int = 0, min_delta: float = 0.0, target: float | None = None) -> None:
        self.patience, self.min_delta, self.target = patience, min_delta, target
        self.best = float("inf")
        self.bad_epochs = 0

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.last
        if self.target is not None and row.get("valid_acc", float("-inf")) >= self.target:
            state.should_stop = True
            state.stop_reason = f"valid accuracy {row['valid_acc']:.4f} reached the target {self.target}"
            return
        if self.patience <= 0 or "valid_loss" not in row:
            return
        if row["valid_loss"] < self.best - self.min_delta:
            self.best, self.bad_epochs = row["valid_loss"], 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                state.should_stop = True
                state.stop_reason = (
                    f"early stopping: valid loss did not improve by {self.min_delta} for {self.patience} epochs"
                )

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.bad_epochs = state["best"], state["bad_epochs"]
