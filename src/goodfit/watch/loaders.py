"""What ``goodfit watch`` keeps of each DataLoader a script iterates: how it was used, the samples of
its first pass, and the names the script gives it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import torch
from torch.utils.data import DataLoader

__all__ = ["LoaderRecord", "names_of"]


@dataclass
class LoaderRecord:
    """One DataLoader as the script used it."""

    loader: Any
    iterations: int = 0
    training: bool = False  # optimizer steps happened while it was iterated
    steps_at_start: int = 0
    eval_states: list[tuple[bool | None, bool, int]] = field(default_factory=list)  # (model.training, grad, step)
    xs: list[torch.Tensor] = field(default_factory=list)
    ys: list[torch.Tensor] = field(default_factory=list)
    seen: int = 0
    readable: bool = True
    names: frozenset[str] = frozenset()  # what the script calls the loader, its data set or its tensors
    _joined: tuple[int, tuple[torch.Tensor, torch.Tensor]] | None = None  # (batches joined, arrays)
    _hashes: Any = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def arrays(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The captured samples as (inputs, targets), joined once per number of batches captured."""
        with self._lock:  # the script's thread (at the first step) and the worker may both ask
            if not self.xs or not self.readable:
                return None
            if self._joined is None or self._joined[0] != len(self.xs):
                self._joined = (len(self.xs), (torch.cat(self.xs), torch.cat(self.ys)))
                self._hashes = None
            return self._joined[1]

    def hashes(self) -> Any:
        """Row hashes of the captured inputs (for the overlap checks), computed once."""
        with self._lock:
            arrays = self.arrays()
            if arrays is None:
                return None
            if self._hashes is None:
                from goodfit.data.explore import row_hashes

                self._hashes = row_hashes(arrays[0].contiguous().numpy())
            return self._hashes


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
