"""MNIST and Fashion-MNIST from IDX ``.gz`` files, read directly with numpy.

Files are looked up in torchvision's layout (``ROOT/MNIST/raw/train-images-idx3-ubyte.gz``) and a
few common variants; when missing they are downloaded from public mirrors (md5-checked) if the
network allows.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset, resolve_root
from goodfit.errors import DataError

__all__ = ["read_idx", "load_mnist", "load_fashion_mnist", "MNIST", "FASHION_MNIST"]


@dataclass(frozen=True)
class IdxSource:
    name: str
    folder: str  # torchvision's class name, e.g. "MNIST"
    aliases: tuple[str, ...]  # other folder names tried under the root
    mirrors: tuple[str, ...]
    md5: dict[str, str]
    classes: tuple[str, ...]


MNIST = IdxSource(
    name="mnist",
    folder="MNIST",
    aliases=("mnist",),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    md5={
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    classes=tuple(str(i) for i in range(10)),
)

FASHION_MNIST = IdxSource(
    name="fashion-mnist",
    folder="FashionMNIST",
    aliases=("fashion-mnist", "fashion_mnist"),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    md5={
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    classes=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
)

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a numpy array.

    Examples:
        >>> read_idx("train-labels-idx1-ubyte.gz").shape  # doctest: +SKIP
        (60000,)
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path} is corrupt ({exc}); delete it so goodfit can fetch it again") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an IDX file; delete it so goodfit can fetch it again")
    ndim = data[3]
    offset = 4 + 4 * ndim
    if ndim == 0 or len(data) < offset:
        raise DataError(f"{path} is corrupt: its header names {ndim} dimensions but the file ends first; "
                        "delete it so goodfit can fetch it again")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = math.prod(dims) * dtype.itemsize  # Python ints: a forged header cannot overflow
    if len(data) - offset != expected:
        raise DataError(
            f"{path} is truncated or corrupt: {len(data) - offset} data bytes, expected {expected}"
        )
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(dims).astype(dtype.newbyteorder("="))


def _candidates(root: Path, src: IdxSource) -> list[Path]:
    folders = [root / src.folder / "raw", root / src.folder]
    for alias in src.aliases:
        folders += [root / alias / src.folder / "raw", root / alias / "raw", root / alias]
    return folders + [root]


def _find_files(root: Path, src: IdxSource) -> Path | None:
    for folder in _candidates(root, src):
        if all((folder / f).is_file() for f in src.md5):
            return folder
    return None


def _download(folder: Path, src: IdxSource) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for fname, md5 in src.md5.items():
        target = folder / fname
        if target.is_file():
            continue
        errors = []
        for mirror in src.mirrors:
            try:
                with urllib.request.urlopen(mirror + fname, timeout=30) as resp:
                    payload = resp.read()
            except OSError as exc:
                errors.append(f"{mirror}: {exc}")
                continue
            if hashlib.md5(payload).hexdigest() != md5:
                errors.append(f"{mirror}: md5 mismatch")
                continue
            tmp = target.with_suffix(target.suffix + ".part")
            tmp.write_bytes(payload)
            os.replace(tmp, target)
            break
        else:
            raise DataError(f"could not download {fname}: {'; '.join(errors)}")


def _load(src: IdxSource, root: str | Path | None, download: bool) -> Dataset:
    base = resolve_root(root)
    download = download and os.environ.get("GOODFIT_OFFLINE", "") not in ("1", "true", "yes")
    folder = _find_files(base, src)
    if folder is None and download:
        target = base / src.folder / "raw"
        try:
            _download(target, src)
            folder = target
        except (DataError, OSError) as exc:
            reason = f" (download failed: {exc})"
        else:
            reason = ""
    else:
        reason = "" if folder else " (downloads are off)"
    if folder is None:
        looked = ", ".join(str(p) for p in _candidates(base, src)[:3])
        raise DataError(
            f"{src.name}: files {', '.join(src.md5)} not found under {base} (looked in {looked}){reason}; "
            "put them there or pass --data-root / set GOODFIT_DATA"
        )
    x_tr = read_idx(folder / "train-images-idx3-ubyte.gz")
    y_tr = read_idx(folder / "train-labels-idx1-ubyte.gz")
    x_te = read_idx(folder / "t10k-images-idx3-ubyte.gz")
    y_te = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    if x_tr.ndim != 3 or x_te.ndim != 3 or x_tr.shape[1:] != x_te.shape[1:]:
        raise DataError(f"{folder}: image files must hold (N, H, W) arrays, got {x_tr.shape} and {x_te.shape}")
    return Dataset(
        name=src.name,
        x_train=x_tr[:, None],
        y_train=y_tr.astype(np.int64),
        x_test=x_te[:, None],
        y_test=y_te.astype(np.int64),
        classes=src.classes,
        source=str(folder),
    )


def load_mnist(root: str | Path | None = None, *, download: bool = True) -> Dataset:
    """MNIST: 60,000 train + 10,000 test 28×28 digits."""
    return _load(MNIST, root, download)


def load_fashion_mnist(root: str | Path | None = None, *, download: bool = True) -> Dataset:
    """Fashion-MNIST: 60,000 train + 10,000 test 28×28 clothing images, 10 classes."""
    return _load(FASHION_MNIST, root, download)
