import numpy as np
import pytest

from goodfit.data import stratified_kfold, stratified_split
from goodfit.errors import DataError


def test_stratified_split_preserves_proportions_and_is_seeded():
    y = np.repeat(np.arange(4), [100, 50, 30, 20])
    keep, held = stratified_split(y, test_fraction=0.1, seed=3)
    assert sorted(np.concatenate([keep, held]).tolist()) == list(range(200))
    assert np.bincount(y[held]).tolist() == [10, 5, 3, 2]
    keep2, held2 = stratified_split(y, test_fraction=0.1, seed=3)
    np.testing.assert_array_equal(held, held2)
    _, held3 = stratified_split(y, test_fraction=0.1, seed=4)
    assert set(held3.tolist()) != set(held.tolist())


def test_small_classes_keep_one_held_out():
    y = np.array([0] * 50 + [1] * 3)
    _, held = stratified_split(y, test_fraction=0.05, seed=0)
    assert (y[held] == 1).sum() == 1


def test_bad_fraction():
    with pytest.raises(DataError):
        stratified_split(np.zeros(10), test_fraction=1.5, seed=0)


def test_kfold_partitions():
    y = np.repeat(np.arange(3), 20)
    folds = stratified_kfold(y, k=5, seed=0)
    assert len(folds) == 5
    valid = np.concatenate([va for _, va in folds])
    assert sorted(valid.tolist()) == list(range(60))
    for tr, va in folds:
        assert np.bincount(y[va]).tolist() == [4, 4, 4] and not set(tr) & set(va)


def test_group_split_keeps_groups_whole_and_holds_about_the_fraction():
    from goodfit.data.splits import group_split

    groups = np.repeat(np.array(["a", "b", "c", "d", "e"]), [100, 100, 100, 100, 100])
    for seed in range(5):
        keep, held = group_split(groups, test_fraction=0.2, seed=seed)
        assert not set(groups[keep]) & set(groups[held])
        assert len(held) == 100 and len(keep) + len(held) == 500 and len(set(groups[held])) == 1
    keep, held = group_split(groups, test_fraction=0.4, seed=0)
    assert len(set(groups[held])) == 2
    keep, held = group_split(groups, test_fraction=0.99, seed=0)
    assert len(set(groups[keep])) == 1  # never every group


def test_group_kfold_holds_each_group_out_once():
    from goodfit.data.splits import group_kfold

    groups = np.repeat(np.arange(6), 10)
    folds = group_kfold(groups, k=3, seed=0)
    held = [set(groups[h]) for _, h in folds]
    assert sorted(g for part in held for g in part) == list(range(6))
    assert all(not set(groups[t]) & h for (t, _), h in zip(folds, held))
    with pytest.raises(DataError, match="7 folds need 7 groups"):
        group_kfold(groups, k=7, seed=0)
