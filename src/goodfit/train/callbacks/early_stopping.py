"""Stop on a validation-loss plateau, or once a validation score reaches a target."""

from __future__ import annotations

from typing import Any

from goodfit.errors import ConfigError
from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["EarlyStopping", "LOWER_IS_BETTER"]

LOWER_IS_BETTER = ("loss", "mse", "mae", "rmse", "error")  # column endings where smaller values are better


class EarlyStopping(Callback):
    """Stop when ``valid_loss`` has not improved by ``min_delta`` for ``patience`` epochs
    (``patience=0``: never), or when the history column ``target_key`` (by default the task's
    validation score: ``valid_acc``, ``valid_auroc``, ``valid_r2``, ``valid_psnr``; any ``valid_*``
    column works) reaches ``target`` (``None``: never). A loss or error column (``valid_loss``,
    ``valid_mae``, ...) reaches it from above, every other column from below.

    Examples:
        >>> from types import SimpleNamespace
        >>> state = SimpleNamespace(last={"valid_psnr": 24.1}, should_stop=False, stop_reason=None)
        >>> EarlyStopping(target=24.0, target_key="valid_psnr").on_epoch_end(state)
        >>> state.stop_reason
        'valid psnr 24.1 reached the target 24.0'
    """

    def __init__(self, *, patience: int = 0, min_delta: float = 0.0, target: float | None = None,
                 target_key: str = "valid_acc") -> None:
        self.patience, self.min_delta, self.target, self.target_key = patience, min_delta, target, target_key
        self.best = float("inf")
        self.bad_epochs = 0

    @property
    def lower_is_better(self) -> bool:
        return self.target_key.endswith(LOWER_IS_BETTER)

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.last
        if self.target is not None and self.target_key not in row:
            known = ", ".join(k for k in row if k.startswith("valid_")) or "none (no validation split)"
            raise ConfigError(f"train.target_metric={self.target_key} is not a validation column of this run; "
                              f"it has: {known}")
        if self.target is not None and self._reached(row[self.target_key]):
            state.should_stop = True
            what = "accuracy" if self.target_key == "valid_acc" else self.target_key.removeprefix("valid_")
            state.stop_reason = f"valid {what} {row[self.target_key]:.4g} reached the target {self.target}"
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

    def _reached(self, value: float) -> bool:
        return value <= self.target if self.lower_is_better else value >= self.target

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.bad_epochs = state["best"], state["bad_epochs"]
