"""Training: the visible loop, in-memory batching, optimizers, evaluation, callbacks and freed memory kept
for reuse. Names load on first use (:mod:`goodfit.lazy`)."""

from typing import TYPE_CHECKING

from goodfit.lazy import lazy_exports

__all__ = [
    "build_optimizer",
    "build_scheduler",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "evaluate_split",
    "LoaderBatches",
    "MemoryBatches",
    "predict_logits",
    "Progress",
    "resolve_device",
    "reused_memory",
    "seed_everything",
    "set_deterministic",
    "train_loop",
    "TrainState",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "goodfit.train.batching": ("LoaderBatches", "MemoryBatches"),
    "goodfit.train.callbacks": ("Callback", "Checkpoint", "EarlyStopping", "Progress", "TrainState"),
    "goodfit.train.device": ("resolve_device", "seed_everything", "set_deterministic"),
    "goodfit.train.evaluate": ("evaluate_split", "predict_logits"),
    "goodfit.train.loop": ("train_loop",),
    "goodfit.train.memory": ("reused_memory",),
    "goodfit.train.optim": ("build_optimizer", "build_scheduler"),
})

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from goodfit.train.batching import LoaderBatches, MemoryBatches  # noqa: F401
    from goodfit.train.callbacks import Callback, Checkpoint, EarlyStopping, Progress, TrainState  # noqa: F401
    from goodfit.train.device import resolve_device, seed_everything, set_deterministic  # noqa: F401
    from goodfit.train.evaluate import evaluate_split, predict_logits  # noqa: F401
    from goodfit.train.loop import train_loop  # noqa: F401
    from goodfit.train.memory import reused_memory  # noqa: F401
    from goodfit.train.optim import build_optimizer, build_scheduler  # noqa: F401
