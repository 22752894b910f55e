"""Batches for the training loop.

The fast path (:class:`MemoryBatches`) keeps the whole split as tensors on the device and, each
epoch, draws one fresh permutation, gathers once and yields contiguous slices: no per-sample
Python, no collate, no worker processes. :class:`LoaderBatches` wraps a ``DataLoader`` for data
that should not be gathered at once (large sets, ``num_workers`` prefetching).
"""

from __future__ import annotations

from typing import Callable, Iterator

import torch

__all__ = ["MemoryBatches", "LoaderBatches", "Batches"]

Augment = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]


class _Seeded:
    """Seeded generators for the batch order (CPU) and augmentation (device), saved for resume."""

    def _seed(self, seed: int, device: torch.device) -> None:
        # the permutation is drawn on the CPU so that runs repeat across devices
        self.generator = torch.Generator().manual_seed(seed)
        self.aug_generator = torch.Generator(device=device).manual_seed(seed + 1)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "aug_generator": self.aug_generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.aug_generator.set_state(state["aug_generator"])


class MemoryBatches(_Seeded):
    """Shuffled mini-batches of in-memory tensors.

    Example:
        >>> x, y = torch.arange(10.0).view(10, 1), torch.arange(10)
        >>> b = MemoryBatches(x, y, batch_size=4, seed=0)
        >>> [len(yb) for _, yb in b]
        [4, 4, 2]
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
    ) -> None:
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.augment = augment
        self._seed(seed, x.device)
        # shuffled copies are gathered into these every epoch: allocating 60k x 784 floats anew each
        # epoch costs ~5x more than index_select into a reused buffer (page faults), see bench/
        self._xbuf = torch.empty_like(x) if shuffle else x
        self._ybuf = torch.empty_like(y) if shuffle else y

    def __len__(self) -> int:
        n = len(self.y)
        # a trailing batch of one sample breaks batch norm and adds noise: fold it away
        return max(1, n // self.batch_size if n % self.batch_size == 1 else -(-n // self.batch_size))

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        x, y = self._xbuf, self._ybuf
        if self.shuffle:
            perm = torch.randperm(len(y), generator=self.generator).to(self.x.device)
            # one gather per epoch into the reused buffers; the batches below are views of them,
            # valid until the next epoch starts
            torch.index_select(self.x, 0, perm, out=x)
            torch.index_select(self.y, 0, perm, out=y)
        bs = self.batch_size
        for i in range(len(self)):
            xb, yb = x[i * bs : (i + 1) * bs], y[i * bs : (i + 1) * bs]
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
    ) -> None:
        from torch.utils.data import DataLoader, TensorDataset

        self._seed(seed, device)
        self.device = device
        self.augment = augment
        self.loader = DataLoader(
            TensorDataset(x, y),
            batch_size=batch_size,
            shuffle=True,
            generator=self.generator,
            num_workers=num_workers,
            pin_memory=device.type == "cuda",
            drop_last=len(y) % batch_size == 1,
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



Batches = MemoryBatches | LoaderBatches
