"""Seeded, stratified splits. The validation split is carved from train; test is never touched."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goodfit.data.streaming import ScaledRows
from goodfit.errors import DataError

__all__ = ["stratified_split", "stratified_kfold", "kfold", "group_split", "group_kfold", "Split"]


@dataclass(frozen=True, eq=False)
class Split:
    """Arrays of one split: inputs ``x`` and targets ``y`` (labels, values or arrays, per the task). ``x`` is
    :class:`~goodfit.data.streaming.ScaledRows` when the split is streamed from disk (``data.stream``)."""

    x: np.ndarray | ScaledRows
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def at_most(self, n: int, *, seed: int) -> Split:
        """This split, or ``n`` of its samples (in their order, drawn with ``seed``) where it has more; of a
        split streamed from disk, a subset still read on demand.

        Examples:
            >>> s = Split(np.arange(10.0), np.arange(10))
            >>> len(s.at_most(4, seed=0)), s.at_most(20, seed=0) is s
            (4, True)
        """
        if len(self) <= n:
            return self
        keep = np.sort(np.random.default_rng(seed).choice(len(self), n, replace=False))
        return Split(self.x.take(keep) if isinstance(self.x, ScaledRows) else self.x[keep], self.y[keep])


def stratified_split(
    y: np.ndarray, *, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held_out)`` with class proportions preserved, shuffled with ``seed``.

    Each class contributes ``round(n_c * test_fraction)`` samples (at least one when the class
    has two or more), so small classes are not lost from the held-out part.

    Examples:
        >>> y = np.array([0] * 8 + [1] * 2)
        >>> keep, held = stratified_split(y, test_fraction=0.5, seed=0)
        >>> sorted(np.bincount(y[held]).tolist())
        [1, 4]
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"split fraction must be in (0, 1), got {test_fraction}")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    keep, held = [], []
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        n_held = int(round(len(idx) * test_fraction))
        if len(idx) >= 2:
            n_held = min(max(n_held, 1), len(idx) - 1)
        else:
            n_held = 0
        held.append(idx[:n_held])
        keep.append(idx[n_held:])
    keep_idx, held_idx = np.concatenate(keep), np.concatenate(held)
    rng.shuffle(keep_idx)  # no class-sorted order may leak out of a split
    rng.shuffle(held_idx)
    return keep_idx, held_idx


def stratified_kfold(y: np.ndarray, *, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` stratified ``(train_idx, valid_idx)`` folds, via scikit-learn's StratifiedKFold."""
    from sklearn.model_selection import StratifiedKFold

    if k < 2:
        raise DataError(f"k-fold needs k >= 2, got {k}")
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [(tr, va) for tr, va in skf.split(np.zeros(len(y)), y)]


def kfold(n: int, *, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` shuffled ``(train_idx, valid_idx)`` folds of ``n`` samples without classes (regression),
    via scikit-learn's KFold.

    Examples:
        >>> [len(va) for _, va in kfold(10, k=3, seed=0)]
        [4, 3, 3]
    """
    from sklearn.model_selection import KFold

    if k < 2:
        raise DataError(f"k-fold needs k >= 2, got {k}")
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n)))


def group_split(groups: np.ndarray, *, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held_out)`` where every group (e.g. a speaker) lies wholly on one side: whole
    groups, in a seeded order, are held out until about ``test_fraction`` of the samples are (at least
    one group, never all).

    Examples:
        >>> groups = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 2)
        >>> keep, held = group_split(groups, test_fraction=0.2, seed=0)
        >>> sorted(set(groups[held].tolist())), set(groups[keep].tolist()) & set(groups[held].tolist())
        (['c'], set())
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"split fraction must be in (0, 1), got {test_fraction}")
    names, inverse, counts = np.unique(np.asarray(groups), return_inverse=True, return_counts=True)
    if len(names) < 2:
        raise DataError(f"a split by group needs two groups or more, found {len(names)}")
    order = np.random.default_rng(seed).permutation(len(names))
    target = test_fraction * len(inverse)
    held_groups = []
    for g in order[:-1]:  # never every group
        if held_groups and sum(counts[h] for h in held_groups) + counts[g] / 2 > target:
            break
        held_groups.append(g)
    held = np.isin(inverse, held_groups)
    rng = np.random.default_rng(seed + 1)
    return rng.permutation(np.flatnonzero(~held)), rng.permutation(np.flatnonzero(held))


def group_kfold(groups: np.ndarray, *, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` folds ``(train, held_out)`` of whole groups, each group held out once, in a seeded order."""
    names, inverse = np.unique(np.asarray(groups), return_inverse=True)
    if not 2 <= k <= len(names):
        raise DataError(f"{k} folds need {k} groups or more (found {len(names)}); use data.folds <= {len(names)}")
    order = np.random.default_rng(seed).permutation(len(names))
    rng = np.random.default_rng(seed + 1)
    folds = []
    for part in np.array_split(order, k):
        held = np.isin(inverse, part)
        folds.append((rng.permutation(np.flatnonzero(~held)), rng.permutation(np.flatnonzero(held))))
    return folds
