"""From a data config to scaled train / valid / test splits, ready for training.

The validation split is carved from train (stratified by label when the data have classes), input
scaling is fitted on the training split only, and the run's task (:mod:`goodfit.tasks`) is fitted
there too and turns each split into ``(inputs, targets)`` as the model and the loss see them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from goodfit.config import DataConfig, OptimConfig
from goodfit.data.base import Dataset
from goodfit.data.scaling import Scaler
from goodfit.data.splits import Split, group_kfold, group_split, kfold, stratified_kfold, stratified_split
from goodfit.data.streaming import MEMORY_SHARE, ScaledRows, available_memory
from goodfit.errors import ConfigError
from goodfit.tasks import Task, create_task

__all__ = ["PreparedData", "prepare_data", "split_and_scale", "TEST_NOISE_SEED"]

TEST_NOISE_SEED = 0  # denoising: the test set's noisy inputs never move between runs
STREAMED_TASKS = ("classification", "binary")  # tasks whose inputs reach the model as stored (data.stream)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Scaled ``float32`` inputs and encoded targets. ``valid`` is carved from train; ``test`` is for
    the very end."""

    dataset: Dataset
    train: Split
    valid: Split | None
    test: Split
    scaler: Scaler
    valid_indices: np.ndarray  # positions in dataset.x_train, recorded in the run
    task: Task  # fitted on the training split
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # split -> each sample's group, where known

    @property
    def classes(self) -> tuple[str, ...]:
        return self.dataset.classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.dataset.input_shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        """What the model must output per sample for this task."""
        return self.task.output_shape(self.input_shape)


def split_and_scale(ds: Dataset, cfg: DataConfig, task: Task | None = None) -> PreparedData:
    """Carve a seeded validation split from train (stratified when the data have classes), fit scaling
    and the task on train only, and encode every split. ``task`` defaults to ``cfg.task``'s."""
    task = task if task is not None else create_task(cfg, OptimConfig(), natural=ds.task)
    labels = ds.y_train if ds.classes else None  # stratify by class; regression targets: plain shuffles
    groups = ds.groups_train  # e.g. speakers: a validation split of voices heard in training would flatter
    if cfg.folds:
        if groups is not None:
            folds = group_kfold(groups, k=cfg.folds, seed=cfg.split_seed)
        else:
            folds = stratified_kfold(labels, k=cfg.folds, seed=cfg.split_seed) if labels is not None else \
                kfold(len(ds.y_train), k=cfg.folds, seed=cfg.split_seed)
        tr_idx, va_idx = folds[cfg.fold]
    elif cfg.valid_fraction > 0 and groups is not None:
        tr_idx, va_idx = group_split(groups, test_fraction=cfg.valid_fraction, seed=cfg.split_seed)
    elif cfg.valid_fraction > 0:
        tr_idx, va_idx = _split(labels, len(ds.y_train), cfg.valid_fraction, cfg.split_seed)
    else:
        tr_idx = np.random.default_rng(cfg.split_seed).permutation(len(ds.y_train))
        va_idx = np.empty(0, dtype=np.int64)
    if 0 < cfg.train_subset < len(tr_idx):
        tr_idx = _subset(tr_idx, labels[tr_idx] if labels is not None else None, cfg.train_subset, cfg.split_seed)
    if _streams(ds, cfg, task, len(tr_idx) + len(va_idx)):  # scaled batch by batch as they are read
        scaler = Scaler(cfg.scaling).fit(ScaledRows(ds.x_train, tr_idx, shift=np.zeros(1), scale=np.ones(1)))
        scaled = scaler.rows
    else:
        scaler = Scaler(cfg.scaling).fit(ds.x_train[tr_idx])
        scaled = lambda raw, rows: scaler.transform(raw[rows])  # noqa: E731
    x_train = scaled(ds.x_train, tr_idx)
    task.fit(x_train, ds.y_train[tr_idx], classes=ds.classes)
    train = Split(*task.pair(x_train, ds.y_train[tr_idx], seed=cfg.split_seed, train=True))
    valid = None
    if len(va_idx):
        valid = Split(*task.pair(scaled(ds.x_train, va_idx), ds.y_train[va_idx], seed=cfg.split_seed + 1, train=False))
    test = Split(*task.pair(scaled(ds.x_test, np.arange(len(ds.y_test))), ds.y_test, seed=TEST_NOISE_SEED,
                            train=False))
    groups = {} if ds.groups_train is None else {"train": ds.groups_train[tr_idx], "valid": ds.groups_train[va_idx]}
    if ds.groups_test is not None:
        groups["test"] = ds.groups_test
    return PreparedData(ds, train, valid, test, scaler, va_idx, task, groups)


def _streams(ds: Dataset, cfg: DataConfig, task: Task, n_train_rows: int) -> bool:
    """Whether the splits stay raw and are scaled batch by batch (``data.stream``; unset: when the scaled
    ``float32`` splits would need more than half of the free memory). Says so on stderr when they do."""
    if cfg.stream is False:
        return False
    need = (n_train_rows + len(ds.y_test)) * 4 * int(np.prod(ds.input_shape, dtype=np.int64))
    free = available_memory()
    if cfg.stream is None and (not free or need <= MEMORY_SHARE * free):
        return False
    if task.name not in STREAMED_TASKS:
        if cfg.stream is None:  # nothing else to do: try to hold them
            return False
        raise ConfigError(f"data.stream=true reads batches as they are, and data.task={task.name} makes new "
                          f"inputs or targets from them; use it with {' or '.join(STREAMED_TASKS)}, or drop it")
    where = getattr(ds.x_train, "filename", None)
    why = ("data.stream=true" if cfg.stream else
           f"the scaled splits take {need / 1e9:.1f} GB, more than half of the {free / 1e9:.1f} GB of free memory")
    source = f" from {where}" if where else ""
    undo = "" if cfg.stream else " (data.stream=false holds them in memory)"
    print(f"data: {why}: batches are read{source} and scaled by DataLoader workers as training goes{undo}",
          file=sys.stderr, flush=True)
    return True


def _split(labels: np.ndarray | None, n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if labels is not None:
        return stratified_split(labels, test_fraction=fraction, seed=seed)
    perm = np.random.default_rng(seed).permutation(n)
    n_held = min(max(int(round(n * fraction)), 1), n - 1)
    return perm[n_held:], perm[:n_held]


def _subset(idx: np.ndarray, y: np.ndarray | None, size: int, seed: int) -> np.ndarray:
    """Exactly ``size`` of ``idx``, class proportions kept (the course's "small training subset")."""
    from sklearn.model_selection import train_test_split

    stratify = None
    if y is not None:
        counts = np.bincount(y)
        stratify = y if size >= np.count_nonzero(counts) and counts[counts > 0].min() >= 2 else None
    keep, _ = train_test_split(idx, train_size=size, random_state=seed, stratify=stratify)
    return np.asarray(keep)


def prepare_data(cfg: DataConfig, *, optim: OptimConfig | None = None) -> PreparedData:
    """Load the data set named in ``cfg``, split and scale it, and encode its targets for the task
    (``optim`` chooses the task's loss; default: the task's own).

    Examples:
        >>> from goodfit.config import DataConfig
        >>> data = prepare_data(DataConfig(name="digits"))
        >>> data.train.x.shape[1:], len(data.valid) > 0, data.task.name, data.output_shape
        ((1, 8, 8), True, 'classification', (10,))
    """
    from goodfit.data.registry import dataset_from_config

    ds = dataset_from_config(cfg)
    return split_and_scale(ds, cfg, create_task(cfg, optim or OptimConfig(), natural=ds.task))
