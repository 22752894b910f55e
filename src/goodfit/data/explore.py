"""The course's first step, "explore the data": shapes, values, classes, duplicates, order, scaling.

Everything a careful teacher would look at before training: how many samples of each class (and
what always guessing the biggest one scores), exact duplicates inside the training set and
between train and test (they inflate test scores), whether the file is sorted by label (it must
be shuffled), and which ``data.scaling`` fits the value range. The texts are in the current language
(:mod:`goodfit.i18n`); a suggested scaling always starts with the ``data.scaling`` value itself.

Examples:
    >>> result = explore("digits")
    >>> result.train_shape, result.suggested_scaling.split(" (")[0]
    ((1438, 1, 8, 8), 'minmax01 or standardize')
    >>> result.imbalanced, result.duplicates_train_test
    (False, 0)
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from goodfit.data.base import Dataset
from goodfit.i18n import N_, _

__all__ = [
    "ExploreResult",
    "explore",
    "explore_dataset",
    "row_hashes",
    "found_in",
    "duplicate_counts",
    "longest_label_run",
    "suggest_scaling",
    "fmt_share",
]

IMBALANCE_RATIO = 1.5  # largest / smallest training class count above this is worth a warning
SORTED_RUN_FRACTION = 0.05  # a run of one label longer than this share of train looks sorted
MIN_SORTED_RUN = 10  # ...and at least this long, so tiny sets are not flagged by chance
SCALE_SPREAD = 10.0  # table features whose std differ by more than this factor need standardizing
_CHUNK_BYTES = 64 << 20  # moments are computed in chunks: no float64 copy of a whole image set


@dataclass
class ExploreResult:
    """What :func:`explore` found; ``summary()`` for people, ``to_dict()`` for programs."""

    name: str
    kind: str
    source: str
    classes: tuple[str, ...]
    train_shape: tuple[int, ...]
    test_shape: tuple[int, ...]
    dtype: str
    value_min: float
    value_max: float
    mean: float
    std: float
    nonfinite: int  # NaN / inf values in the training inputs
    train_counts: list[int]
    test_counts: list[int]
    imbalance_ratio: float  # largest / smallest training class (inf if a class is empty)
    majority_class: int
    majority_accuracy: float  # test accuracy of always predicting the largest training class
    duplicates_train: int  # training samples that exactly repeat an earlier training sample
    duplicates_train_test: int  # test samples whose exact copy is in the training set
    conflicting_duplicates: int  # groups of identical training inputs with different labels
    longest_label_run: int  # longest run of one label in the training set's stored order
    sorted_by_label: bool
    suggested_scaling: str
    task: str = "classification"  # the data set's own task; regression has targets, no classes
    targets: dict[str, Any] = field(default_factory=dict)  # regression: min, max, mean, std, the mean's test MAE
    warnings: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    samples_png: Path | None = None
    html: Path | None = None

    @property
    def imbalanced(self) -> bool:
        return self.imbalance_ratio > IMBALANCE_RATIO

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paths as strings, tuples as lists)."""
        d = asdict(self)
        for key in ("samples_png", "html"):
            d[key] = str(d[key]) if d[key] is not None else None
        d["imbalanced"] = self.imbalanced
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def summary(self) -> str:
        """Several lines of plain text, for the CLI to print."""
        n_train = self.train_shape[0] if self.train_shape else 0
        share = self.longest_label_run / n_train if n_train else 0.0
        what = _("a regression target") if self.task == "regression" else _("{n} classes").format(
            n=len(self.classes))
        values = _("min {lo:g}, max {hi:g}, mean {mean:.4g}, std {std:.4g}").format(
            lo=self.value_min, hi=self.value_max, mean=self.mean, std=self.std)
        lines = [
            _("Data set {name} ({kind}, {what}) from {source}").format(name=self.name, kind=self.kind, what=what,
                                                                       source=self.source or "?"),
            _row(N_("shapes"), _("train {train}, test {test}, dtype {dtype}").format(
                train=self.train_shape, test=self.test_shape, dtype=self.dtype)),
            _row(N_("values"), values + (f", {self.nonfinite} NaN/inf" if self.nonfinite else "")),
        ]
        if self.task == "regression":
            return "\n".join([*lines, *self._target_lines(share)])
        lines += [
            *_count_lines(N_("train counts"), self.classes, self.train_counts),
            *_count_lines(N_("test counts"), self.classes, self.test_counts),
            _row(N_("baseline"), _("always predicting class {name!r} scores {share} on the test set: a model must "
                                   "beat this").format(name=self.classes[self.majority_class],
                                                       share=fmt_share(self.majority_accuracy))),
            _row(N_("balance"), _("largest/smallest training class = {ratio:.2f}").format(ratio=self.imbalance_ratio)),
            _row(N_("duplicates"), _("{within} within train, {between} test samples also in train, {conflicting} "
                                     "identical inputs with different labels").format(
                within=self.duplicates_train, between=self.duplicates_train_test,
                conflicting=self.conflicting_duplicates)),
            _row(N_("order"), _("longest run of one label in train: {n} ({share:.1%})").format(
                n=self.longest_label_run, share=share)),
            _row(N_("scaling"), self.suggested_scaling),
        ]
        return "\n".join([*lines, *self._closing_lines()])

    def _target_lines(self, share: float) -> list[str]:
        t = self.targets
        return [
            _row(N_("targets"), _("min {lo:g}, max {hi:g}, mean {mean:.4g}, std {std:.4g} (train)").format(
                lo=t["min"], hi=t["max"], mean=t["mean"], std=t["std"])),
            _row(N_("baseline"), _("always predicting the training mean: test MAE {mae:.4g}, R² {r2:.3f}: a model "
                                   "must beat this").format(mae=t["mean_mae"], r2=t["mean_r2"])),
            _row(N_("duplicates"), _("{within} within train, {between} test samples also in train").format(
                within=self.duplicates_train, between=self.duplicates_train_test)),
            _row(N_("order"), _("targets in increasing order for {share:.0%} of neighbouring training "
                                "samples").format(share=share)),
            _row(N_("scaling"), _("{scaling}; targets are standardized on train (data.target_scaling)").format(
                scaling=self.suggested_scaling)),
            *self._closing_lines(),
        ]

    def _closing_lines(self) -> list[str]:
        return ([_("warning: {message}").format(message=w) for w in self.warnings]
                + [_("note: {message}").format(message=i) for i in self.info]
                + [_("wrote {path}").format(path=p) for p in (self.samples_png, self.html) if p is not None])


def _row(label: str, text: str) -> str:
    """``  shapes        train ...``: a summary line, its label translated and padded to one column."""
    return f"  {_(label):<14}{text}"


def fmt_share(v: float) -> str:
    """A fraction as a percentage with two decimals, ``n/a`` when undefined."""
    return "n/a" if not math.isfinite(v) else f"{100 * v:.2f} %"


def _count_lines(label: str, classes: tuple[str, ...], counts: list[int], width: int = 76) -> list[str]:
    """``  train counts  0: 5923, 1: 6742, ...`` wrapped to ``width`` characters after the label (``label``,
    untranslated)."""
    lines: list[str] = []
    for item in (f"{c}: {n}" for c, n in zip(classes, counts)):
        if lines and len(lines[-1]) + len(item) + 2 <= width:
            lines[-1] += ", " + item
        else:
            lines.append(item)
    head = f"  {_(label):<14}"
    return [(head if i == 0 else " " * len(head)) + line for i, line in enumerate(lines or [_("(empty)")])]


def explore(name: str, *, root: str | None = None, download: bool = True) -> ExploreResult:
    """Load the data set ``name`` unscaled and explore it (:func:`goodfit.report.explore` also
    writes ``samples.png`` and a self-contained ``explore.html``).

    Examples:
        >>> r = explore("digits")
        >>> sum(r.train_counts)
        1438
        >>> print(r.summary().splitlines()[0])
        Data set digits (image, 10 classes) from sklearn.datasets.load_digits
    """
    from goodfit.data.registry import load_dataset

    return explore_dataset(load_dataset(name, root=root, download=download))


def explore_dataset(ds: Dataset) -> ExploreResult:
    """Explore an in-memory :class:`~goodfit.data.base.Dataset` (see :func:`explore`)."""
    if ds.task == "regression":
        return _explore_regression(ds)
    n_classes = len(ds.classes)
    train_counts = np.bincount(ds.y_train, minlength=n_classes)
    test_counts = np.bincount(ds.y_test, minlength=n_classes)
    lo, hi, mean, std, nonfinite = _value_stats(ds.x_train)
    within, between, conflicts = duplicate_counts(ds.x_train, ds.x_test, y_train=ds.y_train)
    run = longest_label_run(ds.y_train)
    n = len(ds.y_train)
    majority = int(train_counts.argmax()) if n else 0
    maj_acc = float(np.mean(ds.y_test == majority)) if len(ds.y_test) else float("nan")
    smallest = train_counts.min() if n_classes else 0
    result = ExploreResult(
        name=ds.name, kind=ds.kind, source=ds.source, classes=tuple(ds.classes),
        train_shape=tuple(ds.x_train.shape), test_shape=tuple(ds.x_test.shape), dtype=str(ds.x_train.dtype),
        value_min=lo, value_max=hi, mean=mean, std=std, nonfinite=nonfinite,
        train_counts=train_counts.tolist(), test_counts=test_counts.tolist(),
        imbalance_ratio=float(train_counts.max() / smallest) if smallest else math.inf,
        majority_class=majority, majority_accuracy=maj_acc,
        duplicates_train=within, duplicates_train_test=between, conflicting_duplicates=conflicts,
        longest_label_run=run, sorted_by_label=run > max(SORTED_RUN_FRACTION * n, MIN_SORTED_RUN),
        suggested_scaling=suggest_scaling(ds.x_train, kind=ds.kind, value_range=(lo, hi)),
    )
    _add_messages(result)
    return result


def _explore_regression(ds: Dataset) -> ExploreResult:
    """The inputs as for classes; for the targets their range and what predicting the mean scores."""
    from goodfit.metrics import mae, r2

    lo, hi, mean, std, nonfinite = _value_stats(ds.x_train)
    within, between, _conflicting = duplicate_counts(ds.x_train, ds.x_test)
    y, y_test = ds.y_train.reshape(len(ds.y_train), -1)[:, 0], ds.y_test.reshape(len(ds.y_test), -1)[:, 0]
    rising = float((np.diff(y) >= 0).mean()) if len(y) > 1 else 0.5
    guess = np.full(len(y_test), y.mean())
    result = ExploreResult(
        name=ds.name, kind=ds.kind, source=ds.source, classes=(), train_shape=tuple(ds.x_train.shape),
        test_shape=tuple(ds.x_test.shape), dtype=str(ds.x_train.dtype), value_min=lo, value_max=hi, mean=mean,
        std=std, nonfinite=nonfinite, train_counts=[], test_counts=[], imbalance_ratio=1.0, majority_class=-1,
        majority_accuracy=float("nan"), duplicates_train=within, duplicates_train_test=between,
        conflicting_duplicates=0, longest_label_run=int(round(rising * len(y))),
        sorted_by_label=rising > 0.95 or rising < 0.05,
        suggested_scaling=suggest_scaling(ds.x_train, kind=ds.kind, value_range=(lo, hi)), task="regression",
        targets={"min": float(y.min()), "max": float(y.max()), "mean": float(y.mean()), "std": float(y.std()),
                 "mean_mae": mae(y_test, guess), "mean_r2": r2(y_test, guess)},
    )
    if result.sorted_by_label:
        result.info.append(_("the training set is stored sorted by target: it must be shuffled before batching and "
                             "splitting (goodfit does both)"))
    if between:
        result.warnings.append(_("{n} test samples have an exact copy in the training set: the test score is inflated "
                                 "by memorised copies; drop them from one side").format(n=between))
    return result


# --------------------------------------------------------------------------- the measurements


def _value_stats(x: np.ndarray) -> tuple[float, float, float, float, int]:
    """Min, max, mean, std over finite values, and the count of non-finite ones; chunked."""
    flat = x.reshape(len(x), -1) if len(x) else x.reshape(0, 1)
    rows = max(1, _CHUNK_BYTES // max(1, flat.shape[1] * 8))
    shift = float(np.nanmean(flat[:1000], dtype=np.float64)) if flat.size else 0.0  # for stable sums
    shift = shift if math.isfinite(shift) else 0.0
    lo, hi, total, total_sq, count, bad = math.inf, -math.inf, 0.0, 0.0, 0, 0
    for i in range(0, len(flat), rows):
        chunk = flat[i: i + rows].astype(np.float64)
        finite = np.isfinite(chunk)
        bad += int(finite.size - np.count_nonzero(finite))
        values = chunk[finite] if bad else chunk.ravel()
        if values.size == 0:
            continue
        lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
        values = values - shift
        total += float(values.sum())
        total_sq += float(values @ values)
        count += values.size
    if count == 0:
        return math.nan, math.nan, math.nan, math.nan, bad
    mean = total / count
    return lo, hi, mean + shift, math.sqrt(max(total_sq / count - mean * mean, 0.0)), bad


@functools.lru_cache(maxsize=32)
def _multipliers(words: int) -> np.ndarray:
    """The hash's fixed odd multipliers for rows of ``words`` 64-bit words (made once: a batch at a time
    is hashed too)."""
    odd = np.random.default_rng(0x600DF17).integers(0, 2**63, size=words, dtype=np.uint64)
    mult = odd * np.uint64(2) + np.uint64(1)
    mult.flags.writeable = False
    return mult


def row_hashes(x: np.ndarray, *, chunk: int = 1024) -> np.ndarray:
    """A 64-bit hash of each sample's bytes: equal samples, equal hashes.

    The bytes of a row, read as 64-bit words w, hash to sum(a * w) mod 2**64 with fixed random odd
    multipliers a: vectorized (no Python per row, unlike a BLAKE2b call per row), and two rows
    that differ in one word never collide (odd a are invertible mod 2**64); otherwise collisions
    have the probability of a random 64-bit match (scaled by 2**k when all differences are
    multiples of 2**k). Use it to count duplicates, not against adversaries.

    Examples:
        >>> h = row_hashes(np.array([[1, 2], [3, 4], [1, 2]], dtype=np.uint8))
        >>> h.dtype, bool(h[0] == h[2]), bool(h[0] == h[1])
        (dtype('uint64'), True, False)
    """
    n = len(x)
    flat = np.ascontiguousarray(x).reshape(n, -1).view(np.uint8) if n else np.empty((0, 0), np.uint8)
    pad = (-flat.shape[1]) % 8
    mult = _multipliers((flat.shape[1] + pad) // 8)
    if not pad:  # einsum sums the products row by row without a temporary the size of the data
        return np.einsum("ij,j->i", flat.view(np.uint64), mult) if n else np.empty(0, np.uint64)
    out = np.empty(n, dtype=np.uint64)
    for i in range(0, n, chunk):
        part = np.concatenate([flat[i : i + chunk], np.zeros((len(flat[i : i + chunk]), pad), np.uint8)], axis=1)
        out[i : i + chunk] = np.einsum("ij,j->i", part.view(np.uint64), mult)
    return out


def found_in(values: np.ndarray, reference: np.ndarray, *, assume_sorted: bool = False) -> np.ndarray:
    """For each of ``values``, whether ``reference`` holds it: ``np.isin``'s answer, by binary search in
    the sorted reference. For 64-bit row hashes that is ~8x faster than ``np.isin`` (which builds a hash
    table, or sorts both arrays together) and needs no memory the size of both.

    Examples:
        >>> found_in(np.array([3, 7, 1]), np.array([1, 2, 3])).tolist()
        [True, False, True]
    """
    values = np.asarray(values)
    ref = np.asarray(reference) if assume_sorted else np.sort(reference)
    if not len(ref):
        return np.zeros(values.shape, dtype=bool)
    at = np.searchsorted(ref, values).clip(max=len(ref) - 1)
    return ref[at] == values


def duplicate_counts(x_train: np.ndarray, x_test: np.ndarray | None = None, *,
                     y_train: np.ndarray | None = None) -> tuple[int, int, int]:
    """Exact duplicates: ``(within train, test samples also in train, conflicting label groups)``.

    ``within`` counts training samples that repeat an earlier one (``n - n_unique``); the third
    number counts groups of identical training inputs that carry more than one label.

    Examples:
        >>> x = np.array([[0, 1], [0, 1], [2, 2], [5, 5]])
        >>> duplicate_counts(x, np.array([[2, 2], [9, 9]]), y_train=np.array([0, 1, 0, 0]))
        (1, 1, 1)
    """
    h_train = row_hashes(x_train)
    uniq, inverse = np.unique(h_train, return_inverse=True)
    within = len(h_train) - len(uniq)
    between = (int(found_in(row_hashes(x_test), uniq, assume_sorted=True).sum())  # np.unique's output is sorted
               if x_test is not None and len(x_test) else 0)
    conflicts = 0
    if y_train is not None and within:
        pairs = np.unique(np.stack([inverse.ravel(), np.asarray(y_train, dtype=np.int64)]), axis=1)
        conflicts = int((np.bincount(pairs[0]) > 1).sum())
    return int(within), between, conflicts


def longest_label_run(y: np.ndarray) -> int:
    """Length of the longest run of identical consecutive labels.

    Examples:
        >>> longest_label_run(np.array([3, 3, 1, 1, 1, 2]))
        3
    """
    y = np.asarray(y)
    if y.size == 0:
        return 0
    edges = np.flatnonzero(np.diff(y) != 0) + 1
    return int(np.diff(np.concatenate([[0], edges, [y.size]])).max())


def suggest_scaling(x: np.ndarray, *, kind: str = "image",
                    value_range: tuple[float, float] | None = None) -> str:
    """Which ``data.scaling`` suits these inputs, and why, as one phrase.

    Examples:
        >>> suggest_scaling(np.array([[0, 255]], dtype=np.uint8))
        'minmax01 or standardize (inputs are 0..255: do not feed them unscaled)'
        >>> suggest_scaling(np.array([[0.0, 1.0], [0.5, 0.2]]), kind="table")
        'standardize or none (inputs already lie in [0, 1])'
    """
    lo, hi = value_range if value_range is not None else (float(np.nanmin(x)), float(np.nanmax(x)))
    if kind == "table" and x.size:
        std = np.nanstd(np.asarray(x, dtype=np.float64).reshape(len(x), -1), axis=0)
        std = std[std > 0]
        if std.size and std.max() / std.min() > SCALE_SPREAD:
            return _("standardize (features span very different scales: std from {lo:.3g} to {hi:.3g})").format(
                lo=std.min(), hi=std.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _("standardize (after removing NaN/inf values)")
    if lo >= 0 and hi <= 1:
        return _("standardize or none (inputs already lie in [0, 1])")
    if kind == "image" and lo >= 0 and hi <= 255:
        return _("minmax01 or standardize (inputs are {lo:g}..{hi:g}: do not feed them unscaled)").format(lo=lo, hi=hi)
    return "standardize"


def _add_messages(r: ExploreResult) -> None:
    """Turn the numbers into the warnings and notes a student should read."""
    n_train = r.train_shape[0] if r.train_shape else 0
    if r.imbalanced:
        empty = [c for c, n in zip(r.classes, r.train_counts) if n == 0]
        imbalanced = _(
            "classes are imbalanced (largest/smallest = {ratio:.2f} > {limit}): always predicting {name!r} already "
            "scores {share}; judge models by macro F1 and per-class recall, not accuracy alone").format(
                ratio=r.imbalance_ratio, limit=IMBALANCE_RATIO, name=r.classes[r.majority_class],
                share=fmt_share(r.majority_accuracy))
        r.warnings.append(_("classes {classes} have no training samples; {rest}").format(classes=empty, rest=imbalanced)
                          if empty else imbalanced)
    if r.duplicates_train_test:
        r.warnings.append(_("{n} test samples have an exact copy in the training set: test accuracy is inflated by "
                            "memorised copies; drop them from one side").format(n=r.duplicates_train_test))
    if r.conflicting_duplicates:
        r.warnings.append(_("{n} groups of identical training inputs carry different labels (label noise): no model "
                            "can get all of them right").format(n=r.conflicting_duplicates))
    if r.duplicates_train:
        r.info.append(_("{n} training samples repeat another one exactly; they weigh double in training and can leak "
                        "into the validation split").format(n=r.duplicates_train))
    if r.nonfinite:
        r.warnings.append(_("{n} input values are NaN or inf: fix or drop them before training").format(n=r.nonfinite))
    if r.sorted_by_label:
        r.info.append(_("the training set is stored sorted by label (a run of {n} samples with one label, {share:.1%} "
                        "of the set): it must be shuffled before batching and before a train/valid split (goodfit "
                        "does both)").format(n=r.longest_label_run, share=r.longest_label_run / max(n_train, 1)))
    missing = [c for c, n in zip(r.classes, r.test_counts) if n == 0]
    if r.test_shape and r.test_shape[0] == 0:
        r.warnings.append(_("the test set is empty: hold out data to measure generalisation"))
    elif missing:
        r.warnings.append(_("the test set has no samples of {classes}: their recall cannot be measured").format(
            classes=missing))
    scaling = r.suggested_scaling.split(" ")[0]
    r.info.append(_("suggested scaling: data.scaling={scaling} — inputs this large slow training down or stall it")
                  .format(scaling=scaling) if scaling == "minmax01" else
                  _("suggested scaling: data.scaling={scaling}").format(scaling=scaling))
