"""Callbacks, one per file: early stopping, checkpoints, the history file, progress, TensorBoard."""

from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.callbacks.checkpoint import Checkpoint, load_checkpoint, restore_training, save_checkpoint
from goodfit.train.callbacks.early_stopping import EarlyStopping
from goodfit.train.callbacks.history import HistoryWriter
from goodfit.train.callbacks.progress import Progress
from goodfit.train.callbacks.tensorboard import TensorBoard

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "HistoryWriter",
    "Progress",
    "TensorBoard",
    "TrainState",
    "load_checkpoint",
    "restore_training",
    "save_checkpoint",
]
