"""Input scaling, always fitted on the training split only (fitting on all data leaks the test set).

- ``minmax01``: to [0, 1] using the training min / max (MNIST: x / 255)
- ``minmax11``: to [-1, 1] (the course's ``Normalize((0.5,), (0.5,))``)
- ``standardize``: zero mean, unit variance (per channel for images, per feature for tables)
- ``none``: as is
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goodfit.errors import ConfigError

__all__ = ["Scaler", "SCALINGS"]

SCALINGS = ("standardize", "minmax01", "minmax11", "none")


@dataclass
class Scaler:
    """``fit`` on training inputs, then ``transform`` any split: ``(x - shift_) / scale_``.

    Example:
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

    def fit(self, x: np.ndarray) -> Scaler:
        x = np.asarray(x, dtype=np.float64)
        axes = self._axes(x)
        keep = x.ndim == 4
        if self.kind == "none":
            shift, scale = np.zeros(1), np.ones(1)
        elif self.kind == "standardize":
            shift, scale = x.mean(axis=axes, keepdims=keep), x.std(axis=axes, keepdims=keep)
        else:
            lo, hi = x.min(axis=axes, keepdims=keep), x.max(axis=axes, keepdims=keep)
            if x.ndim == 4:  # images: one global range, so per-pixel contrast is kept
                lo, hi = np.full_like(lo, x.min()), np.full_like(hi, x.max())
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
        return ((np.asarray(x, dtype=np.float32) - self.shift_) / self.scale_).astype(np.float32)

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        if self.shift_ is None or self.scale_ is None:
            raise RuntimeError("Scaler.inverse_transform called before fit")
        return np.asarray(x, dtype=np.float32) * self.scale_ + self.shift_

    def state_dict(self) -> dict:
        return {"kind": self.kind, "shift": self.shift_, "scale": self.scale_}

    @classmethod
    def from_state_dict(cls, state: dict) -> Scaler:
        return cls(state["kind"], np.asarray(state["shift"], np.float32), np.asarray(state["scale"], np.float32))
