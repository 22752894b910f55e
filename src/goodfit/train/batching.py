"""Batches for the training loop.

The fast path (:class:`MemoryBatches`) keeps the whole split as tensors on the device and, each
epoch, draws one fresh permutation and gathers each batch with one ``index_select``: no per-sample
Python, no collate, no worker processes. :class:`LoaderBatches` wraps a ``DataLoader`` for data
that should not be gathered at once (large sets, ``num_workers`` prefetching).

In a data-parallel run (``rank``, ``world_size``) every rank draws the same seeded permutation
and takes its own part of each global batch (:func:`~goodfit.train.distributed.shard_bounds`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from goodfit.train.distributed import shard_bounds

__all__ = ["MemoryBatches", "LoaderBatches", "Batches"]

Augment = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]


class _Seeded:
    """Seeded generators for the batch order (CPU) and augmentation (device), saved for resume."""

    def _seed(self, seed: int, device: torch.device, rank: int = 0) -> None:
        # the permutation is drawn on the CPU so that runs repeat across devices; it is the same on
        # every rank, while each rank augments its own samples with its own draws
        self.generator = torch.Generator().manual_seed(seed)
        self.aug_generator = torch.Generator(device=device).manual_seed(seed + 1 + 1_000_003 * rank)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "aug_generator": self.aug_generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.aug_generator.set_state(state["aug_generator"])


class MemoryBatches(_Seeded):
    """Shuffled mini-batches of in-memory tensors (this rank's part of each batch, in a data-parallel run).

    Examples:
        >>> x, y = torch.arange(10.0).view(10, 1), torch.arange(10)
        >>> b = MemoryBatches(x, y, batch_size=4, seed=0)
        >>> [len(yb) for _, yb in b]
        [4, 4, 2]
        >>> [len(yb) for _, yb in MemoryBatches(x, y, batch_size=4, seed=0, rank=1, world_size=2)]
        [2, 2, 1]
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        batch_size: int,
        seed: int,
        shuffle: bool = True,
        augment: Augment | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.augment = augment
        self._seed(seed, x.device, rank)
        bounds = shard_bounds(len(y), batch_size, rank=rank, world_size=world_size)
        self._sizes = [stop - start for start, stop in bounds]
        # positions in the epoch's permutation this rank trains on, in step order
        self._positions = torch.cat([torch.arange(0), *(torch.arange(start, stop) for start, stop in bounds)])
        # the rows iterated in order when not shuffling: the data themselves, or this rank's rows gathered once
        self._fixed = (x, y)
        if not shuffle and world_size > 1:
            pos = self._positions.to(x.device)
            self._fixed = (x[pos], y[pos])

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.shuffle:
            perm = torch.randperm(len(self.y), generator=self.generator)
            idx = perm[self._positions].to(self.x.device)
            # each batch's inputs are gathered on their own, into a fresh tensor that is still in cache for
            # its step; one epoch-sized gather costs the data's size again in memory and, in the first
            # epoch, as many page faults (~0.15 s for MNIST), for no faster steps (bench/RESULTS.md).
            # The labels are small: gathered once per epoch, each batch's are a slice (one op less a step)
            labels = self.y.index_select(0, idx).split(self._sizes)
            parts = ((self.x.index_select(0, i), yb) for i, yb in zip(idx.split(self._sizes), labels, strict=True))
        else:
            x, y = self._fixed
            parts = zip(x.split(self._sizes), y.split(self._sizes))
        for xb, yb in parts:
            if self.augment is not None:
                xb = self.augment(xb, self.aug_generator)
            yield xb, yb


class LoaderBatches(_Seeded):
    """A shuffling ``DataLoader`` over CPU tensors, moving each batch to ``device``."""

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        batch_size: int,
        seed: int,
        device: torch.device,
        num_workers: int = 0,
        augment: Augment | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        from torch.utils.data import DataLoader, TensorDataset

        self._seed(seed, device, rank)
        self.device = device
        self.augment = augment
        if world_size == 1:
            batching: dict = {"batch_size": batch_size, "shuffle": True,
                              "drop_last": len(y) % batch_size == 1}
        else:  # this rank's part of each global batch, as in MemoryBatches
            bounds = shard_bounds(len(y), batch_size, rank=rank, world_size=world_size)
            batching = {"batch_sampler": _ShardSampler(len(y), bounds, self.generator)}
        self.loader = DataLoader(
            TensorDataset(x, y),
            generator=self.generator,
            num_workers=num_workers,
            pin_memory=device.type == "cuda",
            persistent_workers=num_workers > 0,
            **batching,
        )

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for xb, yb in self.loader:
            xb = xb.to(self.device, non_blocking=True)
            yb = yb.to(self.device, non_blocking=True)
            if self.augment is not None:
                xb = self.augment(xb, self.aug_generator)
            yield xb, yb


class _ShardSampler:
    """Index lists of one rank's batches: slices ``bounds`` of a fresh seeded permutation per epoch."""

    def __init__(self, n: int, bounds: list[tuple[int, int]], generator: torch.Generator) -> None:
        self.n, self.bounds, self.generator = n, bounds, generator

    def __len__(self) -> int:
        return len(self.bounds)

    def __iter__(self) -> Iterator[list[int]]:
        perm = torch.randperm(self.n, generator=self.generator)
        for start, stop in self.bounds:
            yield perm[start:stop].tolist()


Batches = MemoryBatches | LoaderBatches
