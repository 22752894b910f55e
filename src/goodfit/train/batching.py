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

from goodfit.data.streaming import ScaledRows
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
    """A shuffling ``DataLoader`` moving each batch to ``device``. ``x`` is a CPU tensor, or rows read on
    demand (:class:`~goodfit.data.streaming.ScaledRows`, a split streamed from disk): each batch is one read
    of its rows (in ``num_workers`` processes, if any), not one read and one collate per sample."""

    def __init__(
        self,
        x: torch.Tensor | ScaledRows,
        y: torch.Tensor,
        *,
        batch_size: int,
        seed: int,
        device: torch.device,
        num_workers: int = 0,
        augment: Augment | None = None,
        rank: int = 0,
        world_size: int = 1,
        dtype: torch.dtype | None = None,
    ) -> None:
        from torch.utils.data import BatchSampler, DataLoader, RandomSampler

        self._seed(seed, device, rank)
        self.device = device
        self.augment = augment
        if world_size == 1:  # the sampler DataLoader(shuffle=True) would build
            sampler = BatchSampler(RandomSampler(range(len(y)), generator=self.generator), batch_size,
                                   drop_last=len(y) % batch_size == 1)
        else:  # this rank's part of each global batch, as in MemoryBatches
            sampler = _ShardSampler(len(y), shard_bounds(len(y), batch_size, rank=rank, world_size=world_size),
                                    self.generator)
        self.loader = DataLoader(
            _Rows(x, y, dtype),
            sampler=sampler,
            batch_size=None,  # the sampler yields whole batches of positions
            # the workers' seeds come from a generator of their own: with persistent workers the loader draws
            # one only on its first pass, so drawing it from the batch order's generator would give a run
            # resumed from a checkpoint (a first pass later on) another order than the uninterrupted run
            generator=torch.Generator().manual_seed(seed),
            num_workers=num_workers,
            pin_memory=device.type == "cuda",
            persistent_workers=num_workers > 0,
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


class _Rows:
    """A map-style data set whose items are whole batches: ``rows[list of positions] -> (inputs, targets)``."""

    def __init__(self, x: torch.Tensor | ScaledRows, y: torch.Tensor, dtype: torch.dtype | None) -> None:
        self.x, self.y, self.dtype = x, y, dtype

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, positions: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.as_tensor(positions, dtype=torch.int64)
        if isinstance(self.x, torch.Tensor):
            return self.x.index_select(0, idx), self.y.index_select(0, idx)
        xb = torch.from_numpy(self.x[idx.numpy()])
        return (xb if self.dtype is None else xb.to(self.dtype)), self.y.index_select(0, idx)


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
