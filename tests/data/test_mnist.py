import gzip
import hashlib
import shutil

import numpy as np
import pytest
from helpers import DATA_ROOT, needs_fashion, needs_mnist

from goodfit.data import load_dataset, read_idx
from goodfit.data.mnist import FASHION_MNIST, MNIST
from goodfit.errors import DataError


@needs_mnist
def test_real_mnist_shapes_and_md5():
    ds = load_dataset("mnist", root=DATA_ROOT)
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert np.bincount(ds.y_test).tolist()[:3] == [980, 1135, 1032]  # published test counts
    for fname, md5 in MNIST.md5.items():
        assert hashlib.md5((DATA_ROOT / "mnist/MNIST/raw" / fname).read_bytes()).hexdigest() == md5


@needs_fashion
def test_real_fashion_mnist():
    ds = load_dataset("fashion-mnist", root=DATA_ROOT)
    assert ds.x_train.shape == (60000, 1, 28, 28)
    assert ds.classes == FASHION_MNIST.classes
    assert np.bincount(ds.y_train).tolist() == [6000] * 10


def _idx_bytes(arr: np.ndarray) -> bytes:
    code = {np.uint8: 0x08}[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + np.array(arr.shape, dtype=">u4").tobytes()
    return header + arr.tobytes()


def _write_fake_mnist(folder, n_train=20, n_test=10):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": (np.arange(n_test) % 10).astype(np.uint8),
    }
    for name, arr in files.items():
        (folder / name).write_bytes(gzip.compress(_idx_bytes(arr)))
    return files


@pytest.mark.parametrize("layout", ["MNIST/raw", "mnist/MNIST/raw", "mnist"])
def test_layouts_found(tmp_path, layout):
    files = _write_fake_mnist(tmp_path / layout)
    ds = load_dataset("mnist", root=tmp_path, download=False)
    np.testing.assert_array_equal(ds.x_train[:, 0], files["train-images-idx3-ubyte.gz"])
    assert ds.source == str(tmp_path / layout)


def test_read_idx_round_trip(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(_idx_bytes(arr))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), arr)


def test_missing_files_error_names_files_and_places(tmp_path):
    with pytest.raises(DataError) as info:
        load_dataset("mnist", root=tmp_path / "empty", download=True)  # GOODFIT_OFFLINE=1 in tests
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "empty") in msg and "--data-root" in msg
    assert "\n" not in msg


def test_corrupt_gzip_is_a_clear_error(tmp_path):
    _write_fake_mnist(tmp_path / "MNIST/raw")
    target = tmp_path / "MNIST/raw/train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:100])  # truncated download
    with pytest.raises(DataError, match="corrupt"):
        load_dataset("mnist", root=tmp_path, download=False)
    target.write_bytes(b"this is not gzip at all")
    with pytest.raises(DataError, match="corrupt"):
        load_dataset("mnist", root=tmp_path, download=False)


def test_wrong_payload_size_is_detected(tmp_path):
    _write_fake_mnist(tmp_path / "MNIST/raw")
    target = tmp_path / "MNIST/raw/t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(target.read_bytes())
    target.write_bytes(gzip.compress(raw[:-3]))
    with pytest.raises(DataError, match="truncated or corrupt"):
        load_dataset("mnist", root=tmp_path, download=False)


@needs_mnist
def test_read_only_root_is_only_read(tmp_path):
    # copying the real files into a fresh root and loading must not create anything there
    root = tmp_path / "ro"
    shutil.copytree(DATA_ROOT / "mnist", root / "mnist")
    before = sorted(p.name for p in root.rglob("*"))
    load_dataset("mnist", root=root)
    assert sorted(p.name for p in root.rglob("*")) == before
