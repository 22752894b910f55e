"""Best and last checkpoints, written atomically at each epoch end."""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from goodfit.errors import RunDirError
from goodfit.run import atomic_write_bytes
from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.distributed import unwrap

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "restore_training"]


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """``torch.save`` to a temp file beside ``path`` then rename: a crash never leaves half a file."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """A checkpoint :func:`save_checkpoint` wrote; a missing, cut-short or foreign file is one
    :class:`~goodfit.errors.RunDirError`, never torch's traceback."""
    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"checkpoint {path} not found; the run saved none there (train it, or use the other "
                          "checkpoint: best.pt or last.pt)")
    try:  # weights_only=False: our own checkpoints hold optimizer/RNG state and plain Python objects
        ckpt = torch.load(path, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
        reason = str(exc).split(". ")[0].splitlines()[0][:120] or type(exc).__name__
        raise RunDirError(f"checkpoint {path} is damaged or not a goodfit checkpoint ({reason}); "
                          "train the run again, or use the other checkpoint (best.pt / last.pt)") from None
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise RunDirError(f"{path} is not a goodfit checkpoint (no model weights inside); train the run again")
    return ckpt


def restore_training(path: Path, state: TrainState, model: torch.nn.Module) -> dict[str, Any]:
    """Put a run back where :class:`Checkpoint` left it in ``last.pt``: the model's weights, the optimizer
    and scheduler, the epoch and step counters, the history, the best epoch and the RNG. Returns the
    checkpoint, whose ``resume_state`` parts (batches, callbacks) the caller restores."""
    ckpt = load_checkpoint(path)
    model.load_state_dict(ckpt["model"])
    state.optimizer.load_state_dict(ckpt["optimizer"])
    if state.scheduler is not None and ckpt["scheduler"] is not None:
        state.scheduler.load_state_dict(ckpt["scheduler"])
    state.epoch, state.step, state.history = ckpt["epoch"], ckpt["step"], list(ckpt["history"])
    state.best_epoch, state.best_valid_loss = ckpt["best_epoch"], ckpt["best_valid_loss"]
    torch.set_rng_state(ckpt["torch_rng"])
    return ckpt


class Checkpoint(Callback):
    """``last.pt``: everything needed to resume; ``best.pt``: weights at the lowest valid loss.

    ``resume_state`` is a callable returning the extra resumable state (callback states, batch
    generators) so that a resumed run continues exactly where this one was.
    """

    def __init__(self, folder: Path, *, resume_state: Callable[[], dict[str, Any]], meta: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.resume_state = resume_state
        self.meta = meta  # e.g. model config, classes, scaler: enough to rebuild and use the model

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.last
        weights = unwrap(state.model).state_dict()  # plain keys, whatever wraps the model in training
        if row.get("valid_loss", float("inf")) < state.best_valid_loss or "valid_loss" not in row:
            state.best_valid_loss = row.get("valid_loss", float("inf"))
            state.best_epoch = state.epoch
            save_checkpoint(self.folder / "best.pt", {**self.meta, "model": weights, "epoch": state.epoch})
        save_checkpoint(
            self.folder / "last.pt",
            {
                **self.meta,
                "model": weights,
                "optimizer": state.optimizer.state_dict(),
                "scheduler": state.scheduler.state_dict() if state.scheduler is not None else None,
                "epoch": state.epoch,
                "step": state.step,
                "history": state.history,
                "best_epoch": state.best_epoch,
                "best_valid_loss": state.best_valid_loss,
                "torch_rng": torch.get_rng_state(),
                **self.resume_state(),
            },
        )
