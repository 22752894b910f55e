import pickle

import numpy as np
import pytest

from goodfit.data import load_dataset
from goodfit.errors import DataError


def _dump(path, obj):
    with open(path, "wb") as fh:
        pickle.dump(obj, fh)


def _batch(n, n_classes, key, rng):
    return {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), key: rng.integers(0, n_classes, n).tolist()}


def test_cifar10_pickles(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = [_batch(8, 10, "labels", rng) for _ in range(5)]
    for i, b in enumerate(batches, 1):
        _dump(folder / f"data_batch_{i}", b)
    _dump(folder / "test_batch", _batch(6, 10, "labels", rng))
    _dump(folder / "batches.meta", {"label_names": [f"c{i}" for i in range(10)]})
    ds = load_dataset("cifar10", root=tmp_path)
    assert ds.x_train.shape == (40, 3, 32, 32) and ds.x_test.shape == (6, 3, 32, 32)
    # channel-first layout: the first 1024 bytes of a row are the red plane
    np.testing.assert_array_equal(ds.x_train[0, 0].ravel(), batches[0]["data"][0, :1024])
    assert ds.classes[3] == "c3"


def test_cifar100_pickles(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    _dump(folder / "train", _batch(10, 100, "fine_labels", rng))
    _dump(folder / "test", _batch(4, 100, "fine_labels", rng))
    _dump(folder / "meta", {"fine_label_names": [f"f{i}" for i in range(100)]})
    ds = load_dataset("cifar100", root=tmp_path)
    assert ds.n_classes == 100 and ds.x_train.shape == (10, 3, 32, 32)


def test_cifar_missing_and_corrupt(tmp_path):
    with pytest.raises(DataError, match="data_batch_1.*not found"):
        load_dataset("cifar10", root=tmp_path)
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    for name in ("train", "test", "meta"):
        (folder / name).write_bytes(b"\x80\x04garbage")
    with pytest.raises(DataError, match="corrupt"):
        load_dataset("cifar100", root=tmp_path)


def test_cifar10_reads_the_jpeg_tree_where_the_pickles_are_missing(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("GOODFIT_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(2)
    for part, n in (("train", 3), ("test", 1)):
        for cls in ("airplane", "automobile"):
            (tmp_path / "cifar10-jpeg" / part / cls).mkdir(parents=True)
            for i in range(n):
                Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
                    tmp_path / "cifar10-jpeg" / part / cls / f"{i}.png")
    ds = load_dataset("cifar10", root=tmp_path)
    assert ds.name == "cifar10" and ds.x_train.shape == (6, 3, 32, 32) and ds.classes == ("airplane", "automobile")
    assert ds.source.endswith("cifar10-jpeg")
    with pytest.raises(DataError, match=r"or put the images in .*cifar100-jpeg"):
        load_dataset("cifar100", root=tmp_path)
