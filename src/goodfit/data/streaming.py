"""Splits too large to hold scaled in memory: scaled rows made on demand from the raw (memory-mapped) inputs.

A prepared split normally holds its inputs scaled to ``float32``: four times the bytes of ``uint8``
images. When that would not fit in memory, :func:`~goodfit.data.prepare.split_and_scale` keeps a
:class:`ScaledRows` instead: the raw array (for an image folder, its decoded cache on disk, memory-mapped),
the split's row numbers and the scaler's shift and scale. Indexing it reads and scales just the rows asked
for, so a training batch, a validation chunk or a sample for the checks costs its own size only; the
training batches are then read by DataLoader workers (:mod:`goodfit.train.batching`).

Examples:
    >>> raw = np.arange(24, dtype=np.uint8).reshape(6, 1, 2, 2)
    >>> rows = ScaledRows(raw, np.array([4, 0, 2]), shift=np.float32(0), scale=np.float32(2))
    >>> rows.shape, rows.dtype, len(rows)
    ((3, 1, 2, 2), dtype('float32'), 3)
    >>> rows[:2].reshape(2, -1).tolist()
    [[8.0, 8.5, 9.0, 9.5], [0.0, 0.5, 1.0, 1.5]]
    >>> rows[np.array([2])].ravel().tolist() == (raw[2].ravel() / 2).tolist()
    True
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ScaledRows", "available_memory", "cgroup_room", "MEMORY_SHARE"]

MEMORY_SHARE = 0.5  # data.stream=None streams when the scaled splits need more than this share of free memory


class ScaledRows:
    """The rows ``raw[rows]``, scaled as ``(x - shift) / scale`` to ``float32`` when read.

    Supports what goodfit's pipeline does with a split's inputs: ``len``, ``shape``, ``dtype``, ``ndim``,
    ``nbytes`` (of the scaled rows) and indexing along the first axis (an integer, a slice, or an array of
    positions) that returns a ``numpy`` array. ``np.asarray(rows)`` makes the whole split, as an in-memory
    split would hold it. Pickles by file name when ``raw`` is memory-mapped, so DataLoader workers started
    by ``spawn`` open the file again instead of receiving a copy of it.
    """

    def __init__(self, raw: np.ndarray, rows: np.ndarray, *, shift: np.ndarray, scale: np.ndarray) -> None:
        self.raw = raw
        self.rows = np.asarray(rows, dtype=np.int64)
        self.shift = np.asarray(shift, dtype=np.float32)
        self.scale = np.asarray(scale, dtype=np.float32)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.rows), *self.raw.shape[1:])

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    @property
    def ndim(self) -> int:
        return self.raw.ndim

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * 4

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: Any) -> np.ndarray:
        picked = self.rows[key]
        if np.ndim(picked) == 0:
            return self._scaled(self.raw[int(picked)][None])[0]
        picked = np.asarray(picked)
        order = np.argsort(picked, kind="stable")  # read the file front to back, then put rows in place
        out = np.empty((len(picked), *self.raw.shape[1:]), np.float32)
        out[order] = self._scaled(self.raw[picked[order]])
        return out

    def take(self, positions: np.ndarray) -> ScaledRows:
        """The rows at ``positions`` of this split, still read on demand (a subset, not an array)."""
        return ScaledRows(self.raw, self.rows[positions], shift=self.shift, scale=self.scale)

    def _scaled(self, x: np.ndarray) -> np.ndarray:
        out = np.subtract(x, self.shift, dtype=np.float32)
        out /= self.scale
        return out

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def __repr__(self) -> str:
        where = getattr(self.raw, "filename", None)
        return f"ScaledRows(shape={self.shape}, from={str(where) if where else 'memory'})"

    def __reduce__(self) -> tuple:
        raw = self.raw
        filename = getattr(raw, "filename", None)
        if isinstance(raw, np.memmap) and filename is not None and isinstance(raw.base, mmap.mmap):  # a whole file
            source: Any = (str(filename), int(raw.offset), raw.dtype.str, raw.shape)
        else:
            source = np.asarray(raw)
        return _rebuild, (source, self.rows, self.shift, self.scale)


def _rebuild(source: Any, rows: np.ndarray, shift: np.ndarray, scale: np.ndarray) -> ScaledRows:
    if isinstance(source, tuple):
        filename, offset, dtype, shape = source
        source = np.memmap(Path(filename), dtype=np.dtype(dtype), mode="r", offset=offset, shape=shape)
    return ScaledRows(source, rows, shift=shift, scale=scale)


def available_memory() -> int:
    """Bytes of memory this process can still use: what the machine has free (Linux ``MemAvailable``, else
    the free pages), or less where a memory cgroup limits the process (a Slurm job's ``--mem``, a container's
    limit), which the machine's numbers do not show. 0 if unknown."""
    machine, room = machine_memory(), cgroup_room()
    return min(machine, room) if machine and room is not None else (machine or room or 0)


def machine_memory() -> int:
    """Bytes the machine has free (Linux ``MemAvailable``, else the free pages), 0 if unknown."""
    machine = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                machine = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if not machine:
        try:
            machine = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            machine = 0
    return machine


CGROUP_ROOT = Path("/sys/fs/cgroup")
_UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as a number near 2**63


def cgroup_room(root: Path = CGROUP_ROOT, membership: Path = Path("/proc/self/cgroup")) -> int | None:
    """Bytes the memory cgroups this process is in still allow (the least, over its cgroup and the cgroups
    above it, of limit minus usage); None without a limit. Reads cgroup v2 (``memory.max``) and v1
    (``memory.limit_in_bytes``); usage counts the page cache too, so this errs on the small side."""
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        return None
    rooms = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: one hierarchy, at the root or under unified/ (the hybrid layout)
            bases = [root / path.lstrip("/"), root / "unified" / path.lstrip("/")]
            files = ("memory.max", "memory.current")
        elif "memory" in controllers.split(","):
            bases, files = [root / "memory" / path.lstrip("/")], ("memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        for base in bases:
            for folder in (base, *base.parents):
                if not folder.is_relative_to(root):
                    break
                room = _room(folder / files[0], folder / files[1])
                if room is not None:
                    rooms.append(room)
    return min(rooms) if rooms else None


def _room(limit_file: Path, usage_file: Path) -> int | None:
    try:
        limit, usage = limit_file.read_text().strip(), int(usage_file.read_text())
    except (OSError, ValueError):
        return None
    if limit == "max" or not limit.isdigit() or int(limit) >= _UNLIMITED:
        return None
    return max(0, int(limit) - usage)
