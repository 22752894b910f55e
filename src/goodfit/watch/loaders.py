"""What ``goodfit watch`` keeps of each DataLoader a script iterates: how it was used, the samples of
its first pass, and the names the script gives it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import torch
from torch.utils.data import DataLoader

from goodfit.checks.context import MAX_SAMPLES

__all__ = ["LoaderRecord", "names_of"]


@dataclass
class LoaderRecord:
    """One DataLoader as the script used it."""

    loader: Any
    iterations: int = 0
    training: bool = False  # optimizer steps happened while it was iterated
    steps_at_start: int = 0
    eval_states: list[tuple[bool | None, bool, int]] = field(default_factory=list)  # (model.training, grad, step)
    seen: int = 0  # samples of the first pass kept, at most MAX_SAMPLES
    readable: bool = True
    names: frozenset[str] = frozenset()  # what the script calls the loader, its data set or its tensors
    _x: torch.Tensor | None = None  # the kept samples: rows [:seen] are filled
    _y: torch.Tensor | None = None
    _hashes: tuple[int, Any] | None = None  # (samples hashed, their row hashes)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def keep(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Copy a batch of the first pass (up to MAX_SAMPLES samples in all) into one buffer, sized for
        the data set when its length is known: no copy per batch to join later. A batch shaped unlike
        the ones before makes the record unreadable, and the checks leave this loader out."""
        with self._lock, torch.no_grad():
            if not self.readable:
                return
            if self._x is not None and (x.shape[1:] != self._x.shape[1:] or y.shape[1:] != self._y.shape[1:]):
                self.forget()
                return
            take = min(len(y), MAX_SAMPLES - self.seen)
            if self._x is None or self.seen + take > len(self._x):
                self._grow(x, y, self.seen + take)
            self._x[self.seen:self.seen + take].copy_(x[:take])
            self._y[self.seen:self.seen + take].copy_(y[:take])
            self.seen += take

    def forget(self) -> None:
        """The loader's batches cannot be read as (inputs, targets): keep nothing."""
        with self._lock:
            self.readable, self._x, self._y, self.seen = False, None, None, 0

    def _grow(self, x: torch.Tensor, y: torch.Tensor, needed: int) -> None:
        try:
            expected = len(self.loader.dataset)  # empty() maps memory only as rows are written
        except TypeError:  # an iterable data set: double as needed
            expected = 2 * len(self._x) if self._x is not None else 16 * len(y)
        size = min(MAX_SAMPLES, max(needed, expected))
        grown = [torch.empty((size, *t.shape[1:]), dtype=t.dtype, device=t.device) for t in (x, y)]
        if self._x is not None:
            grown[0][:self.seen].copy_(self._x[:self.seen])
            grown[1][:self.seen].copy_(self._y[:self.seen])
        self._x, self._y = grown

    def arrays(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The samples kept so far as (inputs, targets): views, whose rows never change once written."""
        with self._lock:  # the script's thread (at the first step) and the worker may both ask
            if not self.seen or not self.readable:
                return None
            return self._x[:self.seen], self._y[:self.seen]

    def hashes(self) -> Any:
        """Row hashes of the kept inputs (for the overlap checks), computed once per number of samples."""
        with self._lock:
            arrays = self.arrays()
            if arrays is None:
                return None
            if self._hashes is None or self._hashes[0] != self.seen:
                from goodfit.data.explore import row_hashes

                self._hashes = (self.seen, row_hashes(arrays[0].contiguous().numpy()))
            return self._hashes[1]


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
