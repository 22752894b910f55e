"""From a data config to scaled train / valid / test splits, ready for training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goodfit.config import DataConfig
from goodfit.data.base import Dataset
from goodfit.data.scaling import Scaler
from goodfit.data.splits import Split, stratified_kfold, stratified_split

__all__ = ["PreparedData", "prepare_data", "split_and_scale"]


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Scaled ``float32`` splits. ``valid`` is carved from train; ``test`` is for the very end."""

    dataset: Dataset
    train: Split
    valid: Split | None
    test: Split
    scaler: Scaler
    valid_indices: np.ndarray  # positions in dataset.x_train, recorded in the run

    @property
    def classes(self) -> tuple[str, ...]:
        return self.dataset.classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.dataset.input_shape


def split_and_scale(ds: Dataset, cfg: DataConfig) -> PreparedData:
    """Carve a stratified, seeded validation split from train, fit scaling on train only, apply."""
    if cfg.folds:
        tr_idx, va_idx = stratified_kfold(ds.y_train, k=cfg.folds, seed=cfg.split_seed)[cfg.fold]
    elif cfg.valid_fraction > 0:
        tr_idx, va_idx = stratified_split(ds.y_train, test_fraction=cfg.valid_fraction, seed=cfg.split_seed)
    else:
        tr_idx = np.random.default_rng(cfg.split_seed).permutation(len(ds.y_train))
        va_idx = np.empty(0, dtype=np.int64)
    if 0 < cfg.train_subset < len(tr_idx):
        tr_idx = _stratified_subset(tr_idx, ds.y_train[tr_idx], cfg.train_subset, cfg.split_seed)
    scaler = Scaler(cfg.scaling).fit(ds.x_train[tr_idx])
    train = Split(scaler.transform(ds.x_train[tr_idx]), ds.y_train[tr_idx])
    valid = Split(scaler.transform(ds.x_train[va_idx]), ds.y_train[va_idx]) if len(va_idx) else None
    test = Split(scaler.transform(ds.x_test), ds.y_test)
    return PreparedData(ds, train, valid, test, scaler, va_idx)


def _stratified_subset(idx: np.ndarray, y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Exactly ``size`` of ``idx``, class proportions kept (the course's "small training subset")."""
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y)
    stratify = y if size >= np.count_nonzero(counts) and counts[counts > 0].min() >= 2 else None
    keep, _ = train_test_split(idx, train_size=size, random_state=seed, stratify=stratify)
    return np.asarray(keep)


def prepare_data(cfg: DataConfig) -> PreparedData:
    """Load the data set named in ``cfg`` and split and scale it.

    Example:
        >>> from goodfit.config import DataConfig
        >>> data = prepare_data(DataConfig(name="digits"))
        >>> data.train.x.shape[1:], len(data.valid) > 0
        ((1, 8, 8), True)
    """
    from goodfit.data import load_dataset

    return split_and_scale(load_dataset(cfg.name, root=cfg.root, download=cfg.download), cfg)
