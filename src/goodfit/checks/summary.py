"""A split's data as the data rules need it, gathered in one pass: each input row's hash, the count of
NaN / inf values, the moments and range of all values, the first rows, and every target.

``goodfit watch`` builds one batch by batch while the script's loader yields them (:meth:`DataSummary.add`,
on data still in the CPU's cache), so it never keeps a copy of the inputs nor reads them a second
time; the lint builds one from whole arrays (:meth:`DataSummary.of`). The rules read the same
numbers either way.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from goodfit.data.explore import row_hashes

__all__ = ["DataSummary", "HEAD", "SCALED_LIMIT"]

HEAD = 256  # rows kept as they are: whole numbers in them mean raw pixels; the probe pass's batch
SCALED_LIMIT = 20.0  # |inputs| beyond this in more than a few values: not scaled
TARGET_VALUES = 64  # targets of at most this many values per sample are all kept (labels, small regressions)
_CHUNK = 1 << 18  # values per pass of `of`: one chunk stays in cache
SQUARES_LIMIT = 1e15  # |values| beyond this are squared in float64: a million of their squares overflow float32


class DataSummary:
    """One split's inputs summarized and its targets kept; fill it with :meth:`add`, batch by batch.

    Examples:
        >>> s = DataSummary.of(torch.tensor([[0.0, 2.0], [0.0, 2.0], [4.0, float("nan")]]), torch.arange(3))
        >>> s.rows, s.nonfinite, s.identical_rows, len(s.hashes), bool(s.hashes[0] == s.hashes[1])
        (3, 1, False, 3, True)
    """

    def __init__(self) -> None:
        self.rows = 0
        self.values = 0  # input values seen
        self.floating: bool | None = None
        self.nonfinite = 0
        self.beyond = 0  # finite values with |v| > SCALED_LIMIT
        self.lo, self.hi = math.inf, -math.inf
        self._shift: float | None = None  # 0, or the first batch's mid-range when values lie far from zero
        self._total = self._squares = 0.0  # of the finite values less the shift, and of their squares
        self._hashes: list[np.ndarray] = []
        self._head: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._integral = True  # every value of the first rows is a whole number
        self._targets: list[torch.Tensor] | None = []  # None once a target is too large to keep them all

    @classmethod
    def of(cls, x: torch.Tensor, y: torch.Tensor | None = None) -> DataSummary:
        """The summary of whole arrays, read in chunks of rows that stay in cache."""
        summary = cls()
        step = max(1, _CHUNK // max(1, x[0].numel() if len(x) else 1))
        for i in range(0, len(x), step):
            summary.add(x[i : i + step], y[i : i + step] if y is not None else torch.zeros(len(x[i : i + step])))
        if y is None:
            summary._targets = None
        return summary

    def add(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Summarize a batch of inputs ``x`` (CPU, any dtype) and keep its targets ``y`` and the first rows,
        as copies: a script that changes its batch in place later changes nothing here."""
        x, y = (t.detach() if t.requires_grad else t for t in (x, y))
        if self.rows < HEAD or not self._head:
            take = min(len(x), HEAD - self.rows)
            first = x[:take].clone()
            self._head.append((first, y[:take].clone()))
            self._integral = self._integral and (not first.is_floating_point() or torch.equal(first, first.round()))
        if self._targets is not None and (y.numel() // len(y) if len(y) else 0) > TARGET_VALUES:
            self._targets = None
        elif self._targets is not None:
            self._targets.append(y.clone())
        rows = x.reshape(len(x), -1)
        self._hashes.append(_hashes(rows))
        self.rows += len(x)
        self.values += rows.numel()
        self.floating = x.is_floating_point()
        if self.floating and rows.numel():
            self._moments(rows.reshape(-1))

    def _moments(self, flat: torch.Tensor) -> None:
        """Add a batch's values: NaN / inf counted and left out; range, values beyond SCALED_LIMIT, and the
        sums of the values and of their squares, each one pass of torch (float32 sums of one batch, added
        up in float64: error ~1e-6 of the total, far below the rules' 1e-3). Values far from zero against
        their spread are taken less the first batch's mid-range, so that a large mean costs the squares no
        precision. torch's kernels run on the threads the script's own work already uses; numpy's BLAS
        (np.dot) would start threads of its own that spin beside them."""
        v = flat if flat.dtype in (torch.float32, torch.float64) else flat.float()
        lo, hi = (float(t) for t in torch.aminmax(v))  # NaN carries into both
        if not (math.isfinite(lo) and math.isfinite(hi)):
            finite = torch.isfinite(v)
            self.nonfinite += int(v.numel() - finite.sum())
            v = v[finite]
            if not v.numel():
                return
            lo, hi = (float(t) for t in torch.aminmax(v))
        if max(-lo, hi) > SQUARES_LIMIT and v.dtype != torch.float64:  # squares beyond float32's range
            v = v.double()
        self.lo, self.hi = min(self.lo, lo), max(self.hi, hi)
        if lo < -SCALED_LIMIT or hi > SCALED_LIMIT:
            self.beyond += int((v.abs() > SCALED_LIMIT).sum())
        if self._shift is None:  # in the values' own precision, so that it is exactly what is subtracted
            mid = (lo + hi) / 2
            self._shift = float(torch.tensor(mid, dtype=v.dtype)) if abs(mid) > hi - lo else 0.0
        d = v - self._shift if self._shift else v
        self._total += float(d.sum())
        self._squares += float(torch.dot(d, d))

    def frozen(self) -> DataSummary:
        """A copy that later :meth:`add` calls leave alone, for a reader on another thread."""
        other = copy.copy(self)
        other._hashes, other._head = [self.hashes], [self.head] if self._head else []
        other._targets = None if self._targets is None else [self.targets]
        return other

    # ------------------------------------------------------------------ what the rules read
    @property
    def finite_values(self) -> int:
        return self.values - self.nonfinite

    def moments(self) -> tuple[float, float, float, float]:
        """(mean, std, min, max) of the finite values; NaN when there are none."""
        n = self.finite_values
        if not n or self._shift is None:
            return math.nan, math.nan, math.nan, math.nan
        off = self._total / n
        return self._shift + off, math.sqrt(max(self._squares / n - off * off, 0.0)), self.lo, self.hi

    @property
    def hashes(self) -> np.ndarray:
        """Each row's 64-bit hash (:func:`goodfit.data.explore.row_hashes`), in order."""
        if len(self._hashes) != 1:
            self._hashes = [np.concatenate(self._hashes) if self._hashes else np.empty(0, np.uint64)]
        return self._hashes[0]

    @property
    def identical_rows(self) -> bool:
        """More than one row, all with the same bytes (one hash, confirmed on the first rows)."""
        h = self.hashes
        if self.rows < 2 or not bool((h == h[0]).all()):
            return False
        head = self.head[0].reshape(min(self.rows, HEAD), -1)
        return bool((head == head[:1]).all())

    @property
    def integral(self) -> bool:
        """Every value of the first :data:`HEAD` rows is a whole number (raw pixels, counts)."""
        return self._integral

    @property
    def head(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The first :data:`HEAD` rows as (inputs, targets)."""
        if len(self._head) != 1:
            self._head = [(torch.cat([x for x, _y in self._head]), torch.cat([y for _x, y in self._head]))]
        return self._head[0]

    @property
    def targets(self) -> torch.Tensor | None:
        """Every target, in order; None when a sample's target has more than :data:`TARGET_VALUES` values."""
        if self._targets is None:
            return None
        if len(self._targets) != 1:
            self._targets = [torch.cat(self._targets)] if self._targets else [torch.zeros(0)]
        return self._targets[0]


def _hashes(rows: torch.Tensor) -> np.ndarray:
    """The row hashes of a 2-D batch, by its bytes (any dtype; bfloat16, which numpy lacks, as int16)."""
    if not len(rows):
        return np.empty(0, np.uint64)
    return row_hashes(rows.view(torch.int16).numpy() if rows.dtype == torch.bfloat16 else rows.numpy())
