"""What ``goodfit watch`` keeps of each DataLoader a script iterates: how it was used, a summary of its
first pass (:class:`~goodfit.checks.summary.DataSummary`), and the names the script gives it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import torch
from torch.utils.data import DataLoader

from goodfit.checks.context import MAX_SAMPLES
from goodfit.checks.summary import DataSummary

__all__ = ["LoaderRecord", "names_of"]


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
    _shapes: tuple[torch.Size, torch.Size] | None = None  # a sample's input and target shapes
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def seen(self) -> int:
        """Samples of the first pass summarized so far."""
        return self.summary.rows

    def keep(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Summarize a batch of the first pass (up to MAX_SAMPLES samples in all) while it is still in the
        CPU's cache: row hashes, NaN count, moments, the first rows and the targets; the inputs are not
        copied, nor read again later. A batch shaped unlike the ones before makes the record unreadable,
        and the checks leave this loader out."""
        with self._lock, torch.no_grad():
            if not self.readable:
                return
            shapes = (x.shape[1:], y.shape[1:])
            if self._shapes is not None and shapes != self._shapes:
                self.forget()
                return
            self._shapes = shapes
            take = min(len(y), MAX_SAMPLES - self.seen)
            self.summary.add(x[:take], y[:take])

    def forget(self) -> None:
        """The loader's batches cannot be read as (inputs, targets): keep nothing."""
        with self._lock:
            self.readable, self.summary = False, DataSummary()

    def arrays(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The first samples (up to :data:`~goodfit.checks.summary.HEAD`) as (inputs, targets)."""
        with self._lock:  # the script's thread (at the first step) and the worker may both ask
            return self.summary.head if self.seen and self.readable else None

    def snapshot(self) -> DataSummary | None:
        """The summary so far, as a copy later batches leave alone (the checks read it on another thread)."""
        with self._lock:
            return self.summary.frozen() if self.seen and self.readable else None


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
