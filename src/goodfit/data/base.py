"""The in-memory data set every loader returns, and where data roots are looked up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from goodfit.errors import DataError

__all__ = ["Dataset", "resolve_root", "cache_dir"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test arrays plus metadata.

    Images are ``uint8`` or ``float32`` arrays shaped ``(N, C, H, W)``; tables are ``float32``
    ``(N, D)``. Targets follow the data set's own ``task``: ``int64`` labels in ``[0, len(classes))``
    for ``classification`` and ``binary`` (two classes), real values ``(N,)`` or ``(N, K)`` for
    ``regression`` (no classes; ``target_names`` names them). Nothing is scaled yet: scaling is fitted
    on the training split later (see :mod:`goodfit.data.scaling`).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    kind: Literal["image", "table"] = "image"
    source: str = ""  # where the files were read from, for reports
    task: Literal["classification", "binary", "regression"] = "classification"  # data.task=auto takes this
    target_names: tuple[str, ...] = ()  # regression: what the target columns are
    groups_train: np.ndarray | None = None  # e.g. each training sample's speaker: valid splits keep groups whole
    groups_test: np.ndarray | None = None  # each test sample's group: the lint flags a group in train and test
    skipped: tuple[str, ...] = ()  # files left out as unreadable (imagefolder with data.skip_bad=true)

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            groups, y = getattr(self, f"groups_{part}"), getattr(self, f"y_{part}")
            if groups is not None and len(groups) != len(y):
                raise DataError(f"{self.name}: {len(groups)} groups for {len(y)} {part} samples")
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if len(x) != len(y):
                raise DataError(f"{self.name}: {len(x)} {part} inputs but {len(y)} labels")
            if self.task == "regression":
                if not np.issubdtype(y.dtype, np.floating):
                    raise DataError(f"{self.name}: regression targets must be real numbers, not {y.dtype}")
            elif y.size and (y.min() < 0 or y.max() >= len(self.classes)):
                raise DataError(
                    f"{self.name}: {part} labels must lie in [0, {len(self.classes)}), "
                    f"found {y.min()}..{y.max()}"
                )

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def resolve_root(root: str | Path | None) -> Path:
    """The data root: ``root`` if given, else ``$GOODFIT_DATA``, else ``data`` in the cache folder."""
    if root:
        return Path(root).expanduser()
    env = os.environ.get("GOODFIT_DATA")
    if env:
        return Path(env).expanduser()
    return cache_dir() / "data"


def cache_dir() -> Path:
    """Where goodfit keeps what it can make again (decoded images, parsed files): ``$GOODFIT_CACHE``, else
    the user cache folder (``~/.cache/goodfit`` on Linux). Never the data root, which may be read-only."""
    env = os.environ.get("GOODFIT_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("goodfit"))
