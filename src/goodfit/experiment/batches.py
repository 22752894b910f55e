"""A config's training batches: in memory (the fast path) or through a DataLoader, augmented or
corrupted (denoising) per batch, sharded over data-parallel ranks."""

from __future__ import annotations

import torch

from goodfit.config import Config
from goodfit.data import PreparedData
from goodfit.data.streaming import ScaledRows
from goodfit.errors import ConfigError
from goodfit.train.augment import make_augment
from goodfit.train.batching import LoaderBatches, MemoryBatches
from goodfit.train.distributed import Rank
from goodfit.workers import usable_cores

__all__ = ["make_batches", "stream_workers", "MEMORY_LIMIT_BYTES"]

MEMORY_LIMIT_BYTES = 4 << 30  # above this the training split goes through a DataLoader


def make_batches(config: Config, data: PreparedData, device: torch.device, dtype: torch.dtype,
                  rank: Rank | None = None):
    streamed = isinstance(data.train.x, ScaledRows)  # read from disk batch by batch (data.stream)
    x = data.train.x if streamed else torch.from_numpy(data.train.x).to(dtype)
    y = torch.from_numpy(data.train.y)
    y = y.to(dtype) if y.is_floating_point() else y
    augment = make_augment(config.data.augment, crop_pad=config.data.crop_pad)
    if augment is not None and x.ndim != 4:
        raise ConfigError(f"data.augment={config.data.augment} needs image data; {config.data.name} is a table")
    if config.data.augment.startswith("crop") and config.data.crop_pad >= min(x.shape[-2:]):
        raise ConfigError(f"data.crop_pad={config.data.crop_pad} is not smaller than the images "
                          f"({x.shape[-2]}x{x.shape[-1]}); use a few pixels, such as 2 or 4")
    if augment is not None and data.task.corrupt() is not None:
        raise ConfigError(f"data.augment moves the inputs but not the targets of data.task={data.task.name}; "
                          "leave data.augment=none")
    augment = augment or data.task.corrupt()  # denoising: fresh noise for every batch
    loader, workers = config.train.loader, config.train.num_workers
    if streamed and loader == "memory":
        raise ConfigError("train.loader=memory needs the training split in memory, and it is read from disk as "
                          "training goes (data.stream); use train.loader=auto, or data.stream=false")
    if loader == "auto":
        loader = "memory" if not streamed and x.element_size() * x.numel() <= MEMORY_LIMIT_BYTES else "dataloader"
    if streamed and not workers:
        workers = stream_workers()
    shard = {"rank": rank.rank, "world_size": rank.world_size} if rank is not None else {}
    if loader == "memory":
        return MemoryBatches(x.to(device), y.to(device), batch_size=config.train.batch_size,
                             seed=config.seed, augment=augment, **shard)
    return LoaderBatches(x, y, batch_size=config.train.batch_size, seed=config.seed, device=device,
                         num_workers=workers, augment=augment, dtype=dtype, **shard)


def stream_workers() -> int:
    """DataLoader workers for a split streamed from disk when ``train.num_workers`` is 0: a core in four
    (one at least, four at most): they read and scale rows while the main process trains."""
    return min(4, max(1, usable_cores() // 4))
