"""Input scaling, always fitted on the training split only (fitting on all data leaks the test set).

- ``minmax01``: to [0, 1] using the training min / max (MNIST: x / 255)
- ``minmax11``: to [-1, 1] (the course's ``Normalize((0.5,), (0.5,))``)
- ``standardize``: zero mean, unit variance (per channel for images, per feature for tables)
- ``none``: as is
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goodfit.data.streaming import ScaledRows
from goodfit.errors import ConfigError

__all__ = ["Scaler", "SCALINGS", "mean_std"]

SCALINGS = ("standardize", "minmax01", "minmax11", "none")


@dataclass
class Scaler:
    """``fit`` on training inputs, then ``transform`` any split: ``(x - shift_) / scale_``.

    Examples:
        >>> s = Scaler("minmax01").fit(np.array([[0.0], [255.0]]))
        >>> s.transform(np.array([[127.5]])).tolist()
        [[0.5]]
    """

    kind: str = "standardize"
    shift_: np.ndarray | None = None
    scale_: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCALINGS:
            raise ConfigError(f"unknown scaling {self.kind!r}; choose one of {', '.join(SCALINGS)}")

    def _axes(self, x: np.ndarray) -> tuple[int, ...]:
        # images (N, C, H, W): one statistic per channel; tables (N, D): one per feature
        return (0, 2, 3) if x.ndim == 4 else (0,)

    def fit(self, x: np.ndarray | ScaledRows) -> Scaler:
        # kept in its dtype: statistics accumulate in float64 chunk by chunk, no full copy; rows streamed
        # from disk (ScaledRows) are read chunk by chunk too
        x = x if isinstance(x, ScaledRows) else np.asarray(x)
        axes = self._axes(x)
        keep = x.ndim == 4
        if self.kind == "none":
            shift, scale = np.zeros(1), np.ones(1)
        elif self.kind == "standardize":
            shift, scale = mean_std(x, axes)
            if not keep:
                shift, scale = shift.reshape(shift.shape[1:]), scale.reshape(scale.shape[1:])
        else:
            lo, hi = _min_max(x, axes, keep)
            if x.ndim == 4:  # images: one global range, so per-pixel contrast is kept
                lo, hi = np.full_like(lo, lo.min()), np.full_like(hi, hi.max())
            if self.kind == "minmax01":
                shift, scale = lo, hi - lo
            else:
                shift, scale = (hi + lo) / 2, (hi - lo) / 2
        scale = np.where(scale > 1e-12, scale, 1.0)  # constant features stay finite
        if x.ndim == 4:
            shift, scale = shift[0], scale[0]  # (C, 1, 1)
        self.shift_, self.scale_ = shift.astype(np.float32), scale.astype(np.float32)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.shift_ is None or self.scale_ is None:
            raise RuntimeError("Scaler.transform called before fit")
        out = np.empty(np.shape(x), dtype=np.float32)  # the one new array: converted while shifted, then scaled
        np.subtract(x, self.shift_, out=out, dtype=np.float32)
        out /= self.scale_
        return out

    def rows(self, raw: np.ndarray, rows: np.ndarray) -> ScaledRows:
        """``transform(raw[rows])``, made batch by batch when read: for splits too large to hold scaled."""
        if self.shift_ is None or self.scale_ is None:
            raise RuntimeError("Scaler.rows called before fit")
        return ScaledRows(raw, rows, shift=self.shift_, scale=self.scale_)

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        if self.shift_ is None or self.scale_ is None:
            raise RuntimeError("Scaler.inverse_transform called before fit")
        return np.asarray(x, dtype=np.float32) * self.scale_ + self.shift_

    def state_dict(self) -> dict:
        return {"kind": self.kind, "shift": self.shift_, "scale": self.scale_}

    @classmethod
    def from_state_dict(cls, state: dict) -> Scaler:
        return cls(state["kind"], np.asarray(state["shift"], np.float32), np.asarray(state["scale"], np.float32))


def _min_max(x: np.ndarray | ScaledRows, axes: tuple[int, ...], keep: bool) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum over ``axes`` (float64), chunk by chunk for rows read from disk."""
    if not isinstance(x, ScaledRows):
        return x.min(axis=axes, keepdims=keep).astype(np.float64), x.max(axis=axes, keepdims=keep).astype(np.float64)
    chunk = max(1, (1 << 22) // max(int(np.prod(x.shape[1:])), 1))
    lo = hi = None
    for i in range(0, len(x), chunk):  # one chunk in memory at a time
        part = x[i : i + chunk]
        p_lo, p_hi = part.min(axis=axes, keepdims=keep), part.max(axis=axes, keepdims=keep)
        lo, hi = (p_lo, p_hi) if lo is None else (np.minimum(lo, p_lo), np.maximum(hi, p_hi))
    return np.asarray(lo, np.float64), np.asarray(hi, np.float64)


def mean_std(x: np.ndarray, axes: tuple[int, ...], chunk: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation of ``x`` over ``axes`` (which include 0), keepdims.

    Two passes over chunks of ``chunk`` rows (default: ~256k values, 2 MB in float64, so each
    chunk stays in cache) with float64 accumulators: as exact as ``np.std`` on a float64 copy, but
    the extra memory is one chunk, not the whole array (a float64 copy of full MNIST would be 376 MB).

    Examples:
        >>> m, s = mean_std(np.arange(10, dtype=np.float32).reshape(5, 2), (0,))
        >>> m.tolist(), s.round(4).tolist()
        ([[4.0, 5.0]], [[2.8284, 2.8284]])
    """
    n = x.shape[0]
    row = int(np.prod(x.shape[1:], dtype=np.int64))
    chunk = chunk or max(1, (1 << 18) // max(row, 1))
    count = np.prod([x.shape[a] for a in axes], dtype=np.float64)
    total = sum(x[i : i + chunk].sum(axis=axes, keepdims=True, dtype=np.float64) for i in range(0, n, chunk))
    mean = total / count
    squares = 0.0
    for i in range(0, n, chunk):
        d = x[i : i + chunk].astype(np.float64)
        d -= mean
        np.square(d, out=d)
        squares = squares + d.sum(axis=axes, keepdims=True)
    return mean, np.sqrt(squares / count)
