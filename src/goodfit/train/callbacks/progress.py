"""Progress: a tqdm bar on a terminal, one plain line per epoch otherwise (Slurm logs, CI)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["Progress", "format_row"]


def format_row(row: dict[str, Any]) -> str:
    parts = [f"epoch {int(row['epoch'])}"]
    for key in ("train_loss", "train_acc", "valid_loss", "valid_acc"):
        if key in row:
            parts.append(f"{key} {row[key]:.4f}")
    if "lr" in row:
        parts.append(f"lr {row['lr']:.2e}")
    if "time" in row:
        parts.append(f"{row['time']:.1f}s")
    return " | ".join(parts)


class Progress(Callback):
    """``mode``: ``"auto"`` (bar on a TTY, lines otherwise), ``"bar"``, ``"lines"`` or ``"quiet"``."""

    def __init__(self, mode: str = "auto", stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode = mode
        self.bar = None

    def on_fit_start(self, state: TrainState) -> None:
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=state.epochs * state.steps_per_epoch, initial=state.step,
                            unit="step", file=self.stream, dynamic_ncols=True)

    def on_batch_end(self, state: TrainState, loss: Any) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.last
        if self.bar is not None:
            self.bar.set_postfix_str(format_row(row).split(" | ", 1)[-1], refresh=False)
        elif self.mode == "lines":
            print(format_row(row), file=self.stream, flush=True)

    def on_fit_end(self, state: TrainState) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
