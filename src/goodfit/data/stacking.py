"""Decoded images, one at a time, into one ``(N, C, H, W)`` ``uint8`` array, on disk or in memory.

Stacking a list of decoded images holds them twice (the list, then the stack); an image folder larger
than memory would not load at all. :class:`ImageStack` writes each image into its row as it arrives: into
a memory-mapped ``.npy`` file when given a path (the image folder's cache), so only the pages being
written are in memory, else into an array. It also settles what a folder of mixed images becomes: grey
images join colour ones as RGB (even after the first colour image arrives late), and images of another
size than the first are counted for the error message, not kept.

Examples:
    >>> stack = ImageStack(3)
    >>> stack.add(0, np.zeros((2, 2), np.uint8))
    >>> stack.add(1, np.full((2, 2, 3), 7, np.uint8))   # colour: the grey row becomes RGB too
    >>> x, kept = stack.finish()
    >>> x.shape, kept.tolist(), int(x[1, 2, 0, 0])
    ((2, 3, 2, 2), [0, 1], 7)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["ImageStack"]

_COPY_ROWS = 4096  # rows copied at a time when a stack on disk is widened to RGB or cut to its length


class ImageStack:
    """Up to ``capacity`` images added by position; ``finish()`` returns the stack and the positions kept."""

    def __init__(self, capacity: int, path: Path | None = None) -> None:
        self.capacity, self.path = capacity, path
        self.array: np.ndarray | None = None
        self.sizes: dict[tuple[int, int], int] = {}  # (H, W) -> images of that size, kept or not
        self._kept: list[int] = []

    def add(self, position: int, image: np.ndarray) -> None:
        """Write ``image`` (``(H, W)`` grey or ``(H, W, 3)`` RGB) into the next row, if it has the first size."""
        size = image.shape[:2]
        self.sizes[size] = self.sizes.get(size, 0) + 1
        if self.array is None:
            self.array = self._allocate((self.capacity, 3 if image.ndim == 3 else 1, *size), self.path)
        elif size != self.array.shape[2:]:
            return  # mixed sizes: an error once all are counted
        if image.ndim == 3 and self.array.shape[1] == 1:
            self._widen()
        self.array[len(self._kept)] = image.transpose(2, 0, 1) if image.ndim == 3 else image  # grey: to every channel
        self._kept.append(position)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """``(images, positions)``: the rows written (flushed to disk), and which added positions they are."""
        n = len(self._kept)
        if self.array is None:
            return np.empty((0, 1, 0, 0), np.uint8), np.empty(0, np.int64)
        if n < self.capacity:  # some were unreadable or of another size
            self.array = self._copy(self.array, n, self.array.shape[1], ".cut")
        if isinstance(self.array, np.memmap):
            self.array.flush()
        return self.array, np.asarray(self._kept, np.int64)

    def _widen(self) -> None:
        """A colour image after grey ones: every row so far becomes RGB."""
        self.array = self._copy(self.array, self.capacity, 3, ".rgb")

    def _copy(self, old: np.ndarray, rows: int, channels: int, suffix: str) -> np.ndarray:
        """The first ``rows`` of ``old`` with ``channels`` channels, in a new array (on disk: a new file next
        to the old one, which is removed; ``finish()``'s array names its file); a block of rows at a time."""
        path = self.path.with_name(self.path.name + suffix) if self.path is not None else None
        new = self._allocate((rows, channels, *old.shape[2:]), path)
        for i in range(0, min(rows, len(self._kept)), _COPY_ROWS):
            j = min(i + _COPY_ROWS, len(self._kept))
            new[i:j] = old[i:j]
        if self.path is not None:
            os.remove(self.path)  # its pages stay readable until the old map is dropped
            self.path = path
        return new

    @staticmethod
    def _allocate(shape: tuple[int, ...], path: Path | None) -> np.ndarray:
        if path is None:
            return np.empty(shape, np.uint8)
        return np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape)
