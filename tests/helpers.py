"""Helpers shared by tests (importable because pytest's pythonpath includes tests/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA_ROOT = Path(os.environ.get("GOODFIT_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def has_dataset(name: str) -> bool:
    folder = {"mnist": "mnist/MNIST/raw", "fashion-mnist": "fashion-mnist/FashionMNIST/raw"}[name]
    return (DATA_ROOT / folder / "train-images-idx3-ubyte.gz").is_file()


needs_mnist = pytest.mark.skipif(not has_dataset("mnist"), reason=f"MNIST files not under {DATA_ROOT}")
needs_fashion = pytest.mark.skipif(not has_dataset("fashion-mnist"), reason=f"Fashion-MNIST not under {DATA_ROOT}")
