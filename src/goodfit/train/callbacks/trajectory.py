"""The weights after every epoch, for a picture of the path training took (``train.keep_trajectory``).

Each epoch's parameters go, flattened to float32, into ``checkpoints/trajectory/epoch-NNNN.npy``
(atomic, one file an epoch, so an interrupted run resumes without gaps). ``goodfit optim slice``
projects them on their two principal directions (Li et al. 2018) and draws the loss on that plane.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from goodfit.run import atomic_write_bytes
from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.distributed import unwrap

__all__ = ["Trajectory", "flat_parameters", "read_trajectory"]


def flat_parameters(model: torch.nn.Module) -> np.ndarray:
    """Every parameter, in ``named_parameters`` order, as one float32 vector."""
    return torch.cat([p.detach().reshape(-1).float().cpu() for _n, p in model.named_parameters()]).numpy()


class Trajectory(Callback):
    """Writes the flattened weights at each epoch end into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def on_epoch_end(self, state: TrainState) -> None:
        buf = io.BytesIO()
        np.save(buf, flat_parameters(unwrap(state.model)), allow_pickle=False)
        atomic_write_bytes(self.folder / f"epoch-{state.epoch:04d}.npy", buf.getvalue())


def read_trajectory(folder: Path) -> tuple[list[int], np.ndarray]:
    """``(epochs, weights)``: the saved epochs in order and an ``(epochs, parameters)`` array."""
    files = sorted(Path(folder).glob("epoch-*.npy"))
    return [int(f.stem.split("-")[1]) for f in files], np.stack([np.load(f) for f in files]) if files else np.empty(0)
