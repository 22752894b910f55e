"""What each number in a config may be: :class:`Range`, the range tables, and the checks that apply them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from goodfit.errors import ConfigError

__all__ = ["Range", "RANGES", "DATA_RANGES", "ANALOG_RANGES", "SEED", "FRACTION", "NONNEG", "POSITIVE", "SIZE",
           "check_ranges", "check_run_name"]


@dataclass(frozen=True)
class Range:
    """The values a number field may take: ``lo``..``hi``, each end closed unless marked open.

    Examples:
        >>> Range(0, 1, hi_open=True).describe(), Range(1).describe(), Range(0, 2**32 - 1).describe()
        ('in [0, 1)', '>= 1', 'in 0..4294967295')
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    hint: str = ""  # what the value means, added to the error (e.g. "0 turns early stopping off")

    def __contains__(self, x: float) -> bool:
        above = self.lo is None or (x > self.lo if self.lo_open else x >= self.lo)
        below = self.hi is None or (x < self.hi if self.hi_open else x <= self.hi)
        return above and below

    def describe(self) -> str:
        if self.hi is None:
            return f"{'>' if self.lo_open else '>='} {self.lo}"
        if not (self.lo_open or self.hi_open) and all(float(v).is_integer() for v in (self.lo, self.hi)):
            return f"in {self.lo}..{self.hi}"
        return f"in {'(' if self.lo_open else '['}{self.lo}, {self.hi}{')' if self.hi_open else ']'}"


SEED = Range(0, 2**32 - 1, hint="any whole number works; seeds are not ranked")
FRACTION = Range(0, 1, hi_open=True)
NONNEG = Range(0)
POSITIVE = Range(0, lo_open=True)
SIZE = Range(1, 2**20)  # layer widths, channels
INT64 = 2**63  # the largest whole numbers torch and numpy hold

ANALOG_RANGES: dict[str, Range] = {
    "input_bits": Range(1, 12), "weight_bits": Range(1, 12), "output_bits": Range(2, 16),
    "chunk_rows": Range(1, 2**20), "gain": POSITIVE, "hidden": SIZE, "logit_scale": POSITIVE,
    "noise": Range(0, hint="0 makes the forward pass deterministic"), "gain_mismatch": NONNEG,
    "relu_shift": Range(-16, 16, hint="negative shifts left"), "seed": SEED,
}

DATA_RANGES: dict[str, Range] = {
    "valid_fraction": FRACTION, "split_seed": SEED, "noise_std": NONNEG, "fold": NONNEG,
    "train_subset": Range(0, hint="0 uses all training data"), "folds": Range(0, 1000, hint="0 turns k-fold off"),
    "image_size": Range(0, 4096, hint="0 keeps the images' own size"),
    "crop_pad": Range(0, 64, hint="airbench uses 2, most CIFAR recipes 4"),
}

RANGES: dict[str, Range] = {
    "seed": SEED,
    **{f"data.{k}": r for k, r in DATA_RANGES.items()},
    "model.hidden": SIZE, "model.channels": SIZE, "model.dropout": FRACTION,
    "optim.lr": POSITIVE, "optim.weight_decay": NONNEG, "optim.l1": NONNEG, "optim.label_smoothing": FRACTION,
    "optim.momentum": Range(0, 1, hi_open=True, hint="0.9 is the usual choice"),
    "optim.norm_lr_scale": POSITIVE, "model.bn_momentum": FRACTION,
    "train.epochs": Range(1, 10**6), "train.batch_size": Range(1, 2**31 - 1),
    "train.patience": Range(0, hint="0 turns early stopping off"), "train.min_delta": NONNEG,
    "train.num_workers": Range(0, 256), "train.nproc": Range(1, 1024, hint="1 trains in this process"),
}


def check_ranges(obj: Any, ranges: dict[str, Range], prefix: str = "") -> None:
    """Raise one :class:`ConfigError` for the first field of the dataclass ``obj`` out of range.

    Every number must be finite and every whole number fit in 64 bits; a field named in ``ranges``
    (dotted, relative to ``obj``; a tuple's items each) must lie in its :class:`Range`. Nested config
    dataclasses are checked by their own ``__post_init__`` and skipped here.

    Examples:
        >>> from goodfit.config import OptimConfig
        >>> check_ranges(OptimConfig(lr=float("nan")), {"lr": POSITIVE}, prefix="optim.")
        Traceback (most recent call last):
        goodfit.errors.ConfigError: optim.lr=nan must be a finite number
    """
    for key, value in _leaves(obj, ""):
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                continue
            if isinstance(item, float) and not math.isfinite(item):
                raise ConfigError(f"{prefix}{key}={item} must be a finite number")
            if isinstance(item, int) and not -INT64 <= item < INT64:
                raise ConfigError(f"{prefix}{key}={item} is too large; whole numbers must be below 2**63")
            allowed = ranges.get(key)
            if allowed is not None and item not in allowed:
                hint = f" ({allowed.hint})" if allowed.hint else ""
                raise ConfigError(f"{prefix}{key}={item} is out of range: it must be {allowed.describe()}{hint}")


def _leaves(obj: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            if not hasattr(type(value), "__post_init__"):  # checked here, not by itself
                yield from _leaves(value, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name, value


def check_run_name(name: str) -> None:
    """A run name becomes one folder name inside ``out_dir``: no separators, no ``..``, not empty.

    Examples:
        >>> check_run_name("lr-sweep")
        >>> check_run_name("../../x")
        Traceback (most recent call last):
        goodfit.errors.ConfigError: name='../../x' must be a plain folder name (letters, digits, - _ .), not a ...
    """
    bad = not name or name in {".", ".."} or any(c in name for c in "/\\\0") or not name.isprintable()
    if bad or name.startswith("-"):
        raise ConfigError(f"name={name!r} must be a plain folder name (letters, digits, - _ .), not a path; "
                          "use out_dir=PATH to choose where runs go")
