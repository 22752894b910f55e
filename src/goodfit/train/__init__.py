"""Training: the visible loop, in-memory batching, optimizers, evaluation and callbacks."""

from goodfit.train.batching import LoaderBatches, MemoryBatches
from goodfit.train.callbacks import Callback, Checkpoint, EarlyStopping, Progress, TrainState
from goodfit.train.device import resolve_device, seed_everything, set_deterministic
from goodfit.train.evaluate import evaluate_split, predict_logits
from goodfit.train.loop import train_loop
from goodfit.train.optim import build_optimizer, build_scheduler

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "LoaderBatches",
    "MemoryBatches",
    "Progress",
    "TrainState",
    "build_optimizer",
    "build_scheduler",
    "evaluate_split",
    "predict_logits",
    "resolve_device",
    "seed_everything",
    "set_deterministic",
    "train_loop",
]
