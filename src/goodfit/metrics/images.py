"""Pure image-quality metrics for array-to-array tasks (denoising, reconstruction).

PSNR is checked against scikit-image's definition (``10 log10(range² / MSE)``) and a closed form in
``tests/metrics/test_images.py``.

Examples:
    >>> clean = np.zeros((2, 1, 4, 4)); noisy = clean + 0.1
    >>> round(psnr(clean, noisy, data_range=1.0), 6)
    20.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["mse", "psnr", "image_summary"]


def _pair(target: Any, output: Any) -> tuple[np.ndarray, np.ndarray]:
    t, o = np.asarray(target, dtype=np.float64), np.asarray(output, dtype=np.float64)
    if t.shape != o.shape:
        raise ValueError(f"target and output differ in shape: {t.shape} vs {o.shape}")
    return t, o


def mse(target: Any, output: Any) -> float:
    """Mean squared error over every value."""
    t, o = _pair(target, output)
    return float(((t - o) ** 2).mean()) if t.size else float("nan")


def psnr(target: Any, output: Any, *, data_range: float, per_image: bool = True) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range² / MSE)``.

    ``per_image``: the mean of each image's PSNR (the usual figure for a test set), else the PSNR of
    the pooled MSE. A perfect image counts as 100 dB, so one exact copy does not make the mean infinite.
    """
    t, o = _pair(target, output)
    if not t.size:
        return float("nan")
    axes = tuple(range(1, t.ndim)) if per_image and t.ndim > 1 else None
    err = ((t - o) ** 2).mean(axis=axes)
    with np.errstate(divide="ignore"):
        db = 10 * np.log10(data_range**2 / np.asarray(err, dtype=np.float64))
    return float(np.minimum(db, 100.0).mean())


def image_summary(target: Any, output: Any, *, data_range: float) -> dict[str, float]:
    """MSE and mean per-image PSNR, JSON-ready."""
    return {"mse": mse(target, output), "psnr": psnr(target, output, data_range=data_range)}
