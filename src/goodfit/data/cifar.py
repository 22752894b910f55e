"""CIFAR-10 / CIFAR-100 from torchvision's python-pickle layout in the data root.

Expected: ``ROOT/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}`` and
``ROOT/cifar-100-python/{train,test,meta}`` (the folders the official tarballs unpack to). Where the
python-pickle folder is missing, an image-folder tree ``ROOT/cifar10-jpeg/{train,test}/<class>/*.jpg``
(``cifar100-jpeg``) is read instead, through :mod:`goodfit.data.imagefolder` and its cache.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset, resolve_root
from goodfit.errors import DataError

__all__ = ["load_cifar10", "load_cifar100"]


def _unpickle(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh, encoding="latin1")
    except FileNotFoundError:
        raise
    except Exception as exc:  # a truncated/garbled pickle raises many kinds of errors
        raise DataError(f"{path} is corrupt ({type(exc).__name__}); re-extract the CIFAR tarball") from None


def _images(batch: dict, path: Path) -> np.ndarray:
    data = np.asarray(batch.get("data"))
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataError(f"{path}: 'data' must be (N, 3072) uint8, got {data.shape}")
    return data.astype(np.uint8).reshape(-1, 3, 32, 32)


def _load(folder_name: str, train_files: list[str], test_file: str, meta_file: str,
          label_key: str, names_key: str, name: str, root: str | Path | None) -> Dataset:
    folder = resolve_root(root) / folder_name
    expected = [*train_files, test_file, meta_file]
    missing = [f for f in expected if not (folder / f).is_file()]
    tree = resolve_root(root) / f"{name}-jpeg"
    if missing and (tree / "train").is_dir() and (tree / "test").is_dir():
        from goodfit.data.imagefolder import load_image_folder

        return dataclasses.replace(load_image_folder(str(tree)), name=name)
    if missing:
        raise DataError(
            f"{name}: files {', '.join(missing)} not found in {folder}; extract the official "
            f"python tarball into the data root (--data-root / GOODFIT_DATA), or put the images in {tree}/"
            "{train,test}/<class>/"
        )
    xs, ys = [], []
    for f in train_files:
        batch = _unpickle(folder / f)
        xs.append(_images(batch, folder / f))
        ys.append(np.asarray(batch[label_key], dtype=np.int64))
    test = _unpickle(folder / test_file)
    meta = _unpickle(folder / meta_file)
    return Dataset(
        name=name,
        x_train=np.concatenate(xs),
        y_train=np.concatenate(ys),
        x_test=_images(test, folder / test_file),
        y_test=np.asarray(test[label_key], dtype=np.int64),
        classes=tuple(meta[names_key]),
        source=str(folder),
    )


def load_cifar10(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """CIFAR-10: 50,000 train + 10,000 test 32×32 colour images, 10 classes."""
    return _load("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)], "test_batch",
                 "batches.meta", "labels", "label_names", "cifar10", root)


def load_cifar100(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """CIFAR-100 (fine labels): 50,000 train + 10,000 test 32×32 colour images, 100 classes."""
    return _load("cifar-100-python", ["train"], "test", "meta", "fine_labels",
                 "fine_label_names", "cifar100", root)
