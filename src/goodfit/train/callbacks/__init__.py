"""Callbacks, one per file: early stopping, checkpoints, the history file, progress, TensorBoard.
Names load on first use (:mod:`goodfit.lazy`)."""

from typing import TYPE_CHECKING

from goodfit.lazy import lazy_exports

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "HistoryWriter",
    "load_checkpoint",
    "Progress",
    "restore_training",
    "save_checkpoint",
    "TensorBoard",
    "TrainState",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "goodfit.train.callbacks.base": ("Callback", "TrainState"),
    "goodfit.train.callbacks.checkpoint": ("Checkpoint", "load_checkpoint", "restore_training", "save_checkpoint"),
    "goodfit.train.callbacks.early_stopping": ("EarlyStopping",),
    "goodfit.train.callbacks.history": ("HistoryWriter",),
    "goodfit.train.callbacks.progress": ("Progress",),
    "goodfit.train.callbacks.tensorboard": ("TensorBoard",),
})

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from goodfit.train.callbacks.base import Callback, TrainState  # noqa: F401
    from goodfit.train.callbacks.checkpoint import (  # noqa: F401
        Checkpoint,
        load_checkpoint,
        restore_training,
        save_checkpoint,
    )
    from goodfit.train.callbacks.early_stopping import EarlyStopping  # noqa: F401
    from goodfit.train.callbacks.history import HistoryWriter  # noqa: F401
    from goodfit.train.callbacks.progress import Progress  # noqa: F401
    from goodfit.train.callbacks.tensorboard import TensorBoard  # noqa: F401
