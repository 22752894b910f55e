"""Data parallelism from inside one process: its rank, the model wrapper, and the few collectives
the training loop needs.

:mod:`goodfit.launch.ddp` starts the processes and joins the process group; this module is what
each process then uses. Every rank holds the same weights (DistributedDataParallel averages the
gradients), trains on its own part of every global batch (:func:`shard_bounds`), and sums its
epoch totals with the others. Rank 0 alone validates, runs the callbacks and decides when to
stop; :meth:`Rank.share_stop` hands that decision to every rank, so they all stop together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

if TYPE_CHECKING:  # the callbacks import unwrap from here
    from goodfit.train.callbacks.base import TrainState

__all__ = ["Rank", "shard_bounds", "unwrap"]


@dataclass(frozen=True)
class Rank:
    """This process's place in a joined process group (``torch.distributed`` is initialized)."""

    rank: int
    world_size: int
    local_rank: int  # index among the ranks on this machine: picks the GPU
    backend: str  # gloo (CPU) or nccl (CUDA)

    @property
    def is_main(self) -> bool:
        """Rank 0 logs, validates, checkpoints, tests and writes the run folder."""
        return self.rank == 0

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        """``DistributedDataParallel``: broadcasts rank 0's weights now, averages gradients in backward."""
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def sum(self, values: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``values`` over all ranks (a new tensor; every rank gets it)."""
        total = values.detach().clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` (any picklable value), on every rank."""
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def share_stop(self, state: TrainState) -> None:
        """Every rank takes rank 0's stop decision (early stopping, a target, a callback)."""
        state.should_stop, state.stop_reason = self.broadcast((state.should_stop, state.stop_reason))


def shard_bounds(n: int, batch_size: int, *, rank: int = 0, world_size: int = 1) -> list[tuple[int, int]]:
    """The ``[start, stop)`` positions of an epoch's permutation that ``rank`` trains on, one per step.

    Each global batch of ``batch_size`` is cut into ``world_size`` equal parts and rank ``r`` takes part
    ``r``, so every rank runs the same number of steps and, with gradients averaged, a step equals one
    single-process step on the whole batch. A last short batch is cut the same way (its remainder of
    fewer than ``world_size`` samples waits for the next epoch's shuffle); a last batch of one sample
    is dropped (it would break batch norm and adds noise).

    Example:
        >>> shard_bounds(10, 4)
        [(0, 4), (4, 8), (8, 10)]
        >>> shard_bounds(10, 4, rank=1, world_size=2)
        [(2, 4), (6, 8), (9, 10)]
    """
    if batch_size % world_size:
        raise ValueError(f"batch_size {batch_size} does not split evenly over {world_size} ranks")
    bounds = []
    for start in range(0, n, batch_size):
        part = (min(start + batch_size, n) - start) // world_size
        if part and (n - start > 1 or start == 0):
            bounds.append((start + rank * part, start + (rank + 1) * part))
    return bounds


def unwrap(model: nn.Module) -> nn.Module:
    """The plain model inside ``DistributedDataParallel`` / ``torch.compile`` wrappers.

    Their ``state_dict`` keys carry prefixes (``module.``, ``_orig_mod.``); checkpoints store the
    plain model's, so ``load_model`` and ``predict`` work whatever trained it.

    Example:
        >>> m = nn.Linear(2, 2)
        >>> unwrap(m) is m
        True
    """
    while True:
        if isinstance(model, DistributedDataParallel):
            model = model.module
        elif isinstance(getattr(model, "_orig_mod", None), nn.Module):
            model = model._orig_mod
        else:
            return model
