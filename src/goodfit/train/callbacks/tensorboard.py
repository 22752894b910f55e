"""Optional TensorBoard event files beside goodfit's own (``train.tensorboard=true``)."""

from __future__ import annotations

from pathlib import Path

from goodfit.errors import ConfigError
from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    def __init__(self, folder: Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError("train.tracking=tensorboard needs the tensorboard package: "
                              "pip install 'goodfit[tracking]'") from None
        self.writer = SummaryWriter(log_dir=str(folder))

    def on_epoch_end(self, state: TrainState) -> None:
        for key, value in state.last.items():
            if key != "epoch":
                self.writer.add_scalar(key, value, state.epoch)
        self.writer.flush()

    def on_fit_end(self, state: TrainState) -> None:
        self.writer.close()
