"""What ``goodfit watch`` keeps of each DataLoader a script iterates: how it was used, a summary of its
first pass (:class:`~goodfit.checks.summary.DataSummary`), and the names the script gives it.

Summarizing a batch the moment it arrives costs a step several times what the same work costs in a
loop: after the script's forward and backward passes, the code that summarizes is no longer in the
CPU's caches (bench/RESULTS.md, "Batches summarized eight at a time"). So batches are kept, by
reference, and summarized a few at a time."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import torch
from torch.utils.data import DataLoader

from goodfit.checks.context import MAX_SAMPLES, batch_parts
from goodfit.checks.summary import DataSummary

__all__ = ["LoaderRecord", "names_of", "PENDING", "PENDING_BYTES"]

PENDING = 8  # batches summarized together
PENDING_BYTES = 2 << 20  # or fewer, when their inputs take more than this (what a core's L2 cache holds)


@dataclass
class LoaderRecord:
    """One DataLoader as the script used it."""

    loader: Any
    iterations: int = 0
    training: bool = False  # optimizer steps happened while it was iterated
    steps_at_start: int = 0
    eval_states: list[tuple[bool | None, bool, int]] = field(default_factory=list)  # (model.training, grad, step)
    readable: bool = True
    names: frozenset[str] = frozenset()  # what the script calls the loader, its data set or its tensors
    summary: DataSummary = field(default_factory=DataSummary)  # of the first pass, up to MAX_SAMPLES samples
    _shapes: tuple | None = None  # a sample's input and target shapes and dtypes
    _pending: list[Any] = field(default_factory=list, repr=False)  # batches put aside, not summarized yet
    _pending_bytes: int = 0
    _done: deque = field(default_factory=deque, repr=False)  # summarized batches, let go of one per batch taken
    _pending_limit: int = PENDING  # 1 for a loader that refills one buffer
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def seen(self) -> int:
        """Samples of the first pass summarized so far."""
        return self.summary.rows

    def take(self, batch: Any) -> bool:
        """Keep a batch of the first pass to summarize (row hashes, NaN count, moments, the first rows, the
        targets), by reference: the inputs are not copied. False once no more batches are wanted (the
        first MAX_SAMPLES samples are in, or the batches are not ``(inputs, targets)``).

        This runs between two of the script's steps, when the code that summarizes is no longer in the
        CPU's caches: all it does is put the batch aside. Every :data:`PENDING` batches (fewer when they
        hold more than :data:`PENDING_BYTES`), :meth:`flush` summarizes them one after another, with that
        code warm. A batch is thus read after the script has used it: a script that scales its batches
        in place is judged on what its model saw."""
        with self._lock:
            if not self.readable or self.seen >= MAX_SAMPLES:
                return False
            self._pending.append(batch)
            self._pending_bytes += _bytes(batch)
            if self._done:
                self._done.popleft()
            if len(self._pending) >= self._pending_limit or self._pending_bytes >= PENDING_BYTES:
                self.flush(release=False)
            return self.readable and self.seen < MAX_SAMPLES

    def flush(self, release: bool = True) -> None:
        """Summarize the batches put aside. A batch that shares its memory with a later one was refilled by
        the loader (what it held is gone): it is left out, and from then on each batch is summarized as it
        comes. A batch that is not ``(inputs, targets)`` tensors, or shaped or typed unlike the ones before,
        makes the record unreadable, and the checks leave this loader out.

        ``release=False`` (while the pass goes on) lets go of the summarized batches one per batch taken
        after, as the script lets go of its own: freeing them all at once would leave the allocator a free
        block large enough to hand back to the system, and the script's next allocations would fault its
        pages in again."""
        with self._lock, torch.no_grad():
            pending, self._pending, self._pending_bytes = self._pending, [], 0
            if release:
                self._done.clear()
            else:
                self._done.extend(pending)
            parts = [batch_parts(batch) for batch in pending]
            if any(p is None for p in parts):
                self.forget()
                return
            refilled = _refilled(parts)
            if refilled:
                self._pending_limit = 1
            for i, (x, y) in enumerate(parts):
                shapes = (x.shape[1:], y.shape[1:], x.dtype, y.dtype)
                if self._shapes is not None and shapes != self._shapes:
                    self.forget()
                    return
                self._shapes = shapes
                take = MAX_SAMPLES - self.seen
                if take > 0 and i not in refilled:
                    self.summary.add(*((x, y) if take >= len(y) else (x[:take], y[:take])))

    def forget(self) -> None:
        """The loader's batches cannot be read as (inputs, targets): keep nothing."""
        with self._lock:
            self.readable, self.summary, self._pending, self._pending_bytes = False, DataSummary(), [], 0
            self._done.clear()

    def arrays(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The first samples (up to :data:`~goodfit.checks.summary.HEAD`) as (inputs, targets)."""
        with self._lock:  # the script's thread (at the first step) and the worker may both ask
            self.flush()
            return self.summary.head if self.seen and self.readable else None

    def snapshot(self) -> DataSummary | None:
        """The summary so far, as a copy later batches leave alone (the checks read it on another thread)."""
        with self._lock:
            self.flush()
            return self.summary.frozen() if self.seen and self.readable else None


def _bytes(batch: Any) -> int:
    """Memory a batch's first tensor takes (its inputs, for the usual ``(x, y)``), 0 for others."""
    first = batch[0] if isinstance(batch, (tuple, list)) and batch else batch
    return first.numel() * first.element_size() if isinstance(first, torch.Tensor) else 0


def _refilled(parts: list[tuple[torch.Tensor, torch.Tensor]]) -> set[int]:
    """The batches whose inputs share memory with a later batch's: overwritten since."""
    last: dict[int, int] = {}
    for i, (x, _y) in enumerate(parts):
        if x.numel():
            last[x.data_ptr()] = i
    return {i for i, (x, _y) in enumerate(parts) if x.numel() and last[x.data_ptr()] != i}


def names_of(loader: DataLoader, frame: FrameType | None, depth: int = 30) -> frozenset[str]:
    """The names bound to ``loader``, its data set or the data set's tensors in the frames that
    called ``iter(loader)`` (locals, and each frame's module globals)."""
    dataset = getattr(loader, "dataset", None)
    targets = {id(loader), *(() if dataset is None else (id(dataset),)),
               *(id(t) for t in getattr(dataset, "tensors", ()))}
    names: set[str] = set()
    seen_globals: set[int] = set()
    frame = frame.f_back if frame is not None else None
    while frame is not None and depth > 0:
        scopes = [frame.f_locals]
        if id(frame.f_globals) not in seen_globals:
            seen_globals.add(id(frame.f_globals))
            scopes.append(frame.f_globals)
        names.update(name for scope in scopes for name, value in list(scope.items()) if id(value) in targets)
        frame, depth = frame.f_back, depth - 1
    return frozenset(names)
