"""The three anomaly-detection protocols, each one seeded function with a documented split.

All protocols scale inputs to [0, 1] (min-max over the training images: MNIST's x / 255) and,
for every seed ``s``, carve a stratified validation split (``valid_fraction`` of the training
set, ``goodfit.data.stratified_split`` with seed ``s``). Detectors see only normal training data
(or the deliberately contaminated set); the validation split's *normal* images only set the
operating threshold: the 5 % quantile of their scores (:data:`FALSE_ALARM_TARGET`), so the
threshold needs no labelled anomalies. Test precision / recall are reported at that threshold.

1. :func:`one_vs_rest`: normal = class k. Train on the training split's class-k images, score the
   *whole* test set (anomalies = the other classes). AUROC and AP per class, mean ± std over
   classes and over seeds (Ruff et al., 2018's protocol; their preprocessing differs, see report).
2. :func:`out_of_distribution`: normal = every class of the data set. Test normals are a seeded
   half of its test set; anomalies are, each alone against those normals: the other data set's
   test images (MNIST ↔ Fashion-MNIST), and the other half of the test set with Gaussian noise
   (std :data:`NOISE_STD`, clipped) or rotated by 90°.
3. :func:`contamination`: one-vs-rest where a fraction ``c`` of the *training* images are
   anomalies (other classes, drawn with the seed): how much does each detector suffer?

Each writes ``out_dir/anomaly-<protocol>-<time>/`` with ``results.json`` and ``report.html``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from goodfit.anomaly.registry import Method, parse_method
from goodfit.errors import ConfigError

__all__ = ["Task", "ProtocolResult", "one_vs_rest", "out_of_distribution", "contamination", "run_tasks",
           "OVR_METHODS", "OOD_METHODS", "CONTAMINATION_METHODS", "FALSE_ALARM_TARGET", "NOISE_STD"]

OVR_METHODS = ("iforest@raw", "mahalanobis@raw", "mahalanobis[covariance=mcd]@pca:10", "knn@raw",
               "knn[metric=cosine]@raw", "vae@raw", "vae[score=reconstruction]@raw", "autoencoder@raw")
OOD_METHODS = ("iforest@raw", "mahalanobis@raw", "knn[metric=cosine]@raw", "vae@raw")
CONTAMINATION_METHODS = ("iforest@raw", "mahalanobis@raw", "mahalanobis[covariance=mcd]@pca:10",
                         "knn[metric=cosine]@raw", "vae@raw")
FALSE_ALARM_TARGET = 0.05  # the threshold flags this share of normal validation images
NOISE_STD = 0.3  # Gaussian noise added to [0, 1] pixels for the "noise" corruption
N_EXTREMES = 25  # most / least anomalous test images kept per method


@dataclass
class Task:
    """One normal-vs-anomaly problem: detectors fit on ``x_train`` and are judged on ``x_test``."""

    name: str
    x_train: np.ndarray  # (N, D) in [0, 1]
    x_valid: np.ndarray  # normal validation images: set the threshold only
    x_test: np.ndarray
    y_test: np.ndarray  # 1 = anomaly
    group: str = ""  # e.g. the contamination level
    shared: str | None = None  # tasks of one seed with the same ``shared`` key have the same train / valid data


@dataclass
class ProtocolResult:
    """A protocol's folder, its per-(method, task, seed) rows and its summary table."""

    path: Path
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    extras: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- running methods on tasks


def _features(task: Task, name: str, seed: int, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(train, valid, test) features in space ``name``; fitted once per training set, seconds spent here."""
    from goodfit.anomaly.features import create_feature

    t0 = time.perf_counter()
    if name not in cache:
        feat = create_feature(name, random_state=seed).fit(task.x_train)
        cache[name] = (feat, feat.transform(task.x_train), feat.transform(task.x_valid))
    feat, f_train, f_valid = cache[name]
    return f_train, f_valid, feat.transform(task.x_test), time.perf_counter() - t0


def _detector(method: Method, f_train: np.ndarray, seed: int, cache: dict):
    """A fitted detector; score-only variants (``vae[score=...]``) reuse one fitted model."""
    from goodfit.anomaly.registry import create_detector

    score_only = {k: v for k, v in method.params.items()
                  if k in create_detector(method.detector).score_params}
    key = (method.detector, tuple(sorted((k, str(v)) for k, v in method.params.items() if k not in score_only)),
           method.feature)
    t0 = time.perf_counter()
    if key not in cache:
        base = Method(method.detector, {k: v for k, v in method.params.items() if k not in score_only},
                      method.feature)
        cache[key] = base.build(seed=seed).fit(f_train)
    det = cache[key].rescored(f_train, **score_only) if score_only else cache[key]
    return det, time.perf_counter() - t0


def evaluate(method: Method, task: Task, seed: int, caches: dict, *, keep: bool = False) -> dict[str, Any]:
    """Fit ``method`` on ``task`` and measure it: AUROC (also by sklearn), AP, threshold, P / R."""
    from sklearn.metrics import roc_auc_score

    from goodfit.anomaly.metrics import auroc, average_precision, mean_roc, precision_recall_at

    f_train, f_valid, f_test, feature_s = _features(task, method.feature, seed, caches.setdefault("f", {}))
    det, fit_s = _detector(method, f_train, seed, caches.setdefault("d", {}))
    t0 = time.perf_counter()
    anomaly_test = -det.score_samples(f_test)  # higher = more anomalous
    threshold = -float(np.quantile(det.score_samples(f_valid), FALSE_ALARM_TARGET))
    score_s = time.perf_counter() - t0
    row = {"method": method.label, "task": task.name, "group": task.group, "seed": seed,
           "auroc": auroc(task.y_test, anomaly_test), "auroc_sklearn": float(roc_auc_score(task.y_test, anomaly_test)),
           "ap": average_precision(task.y_test, anomaly_test), "threshold": threshold,
           **{f"test_{k}": v for k, v in precision_recall_at(task.y_test, anomaly_test, threshold).items()},
           "feature_s": feature_s, "fit_s": fit_s, "score_s": score_s}
    if keep:  # curves and extreme images, for the report
        order = np.argsort(-anomaly_test, kind="stable")
        row["_roc"] = mean_roc(task.y_test, anomaly_test)
        row["_most"], row["_least"] = task.x_test[order[:N_EXTREMES]], task.x_test[order[::-1][:N_EXTREMES]]
    return row


def run_tasks(tasks_for_seed: Callable[[int], Iterable[Task]], methods: Sequence[str], seeds: Sequence[int], *,
              keep: Callable[[Task, int], bool] = lambda task, seed: False, progress: bool = False,
              ) -> list[dict[str, Any]]:
    """Every method on every task of every seed; one row each.

    Fitted feature spaces and detectors are reused within a task, and across the tasks of a seed
    that declare the same ``shared`` key (same training data): their fit time is counted once.
    """
    parsed = [parse_method(m) for m in methods]  # all names checked before any work
    rows = []
    for seed in seeds:
        shared: dict[str, dict] = {}
        for task in tasks_for_seed(seed):
            caches: dict = shared.setdefault(task.shared, {}) if task.shared else {}
            for method in parsed:
                row = evaluate(method, task, seed, caches, keep=keep(task, seed))
                rows.append(row)
                if progress:
                    print(f"seed {seed} | {task.name} | {row['method']}: AUROC {row['auroc']:.4f} "
                          f"({row['feature_s'] + row['fit_s'] + row['score_s']:.1f} s)", flush=True)
    return rows


# --------------------------------------------------------------------------- data and splits


def _load_unit(name: str, data_root: str | None) -> tuple[Any, np.ndarray, np.ndarray]:
    """The data set, and its train / test images min-max scaled to [0, 1] and flattened."""
    from goodfit.data import Scaler, load_dataset

    ds = load_dataset(name, root=data_root)
    if ds.kind != "image":
        raise ConfigError(f"the anomaly protocols need an image data set; {name} is a table")
    scaler = Scaler("minmax01").fit(ds.x_train)
    flat = lambda x: scaler.transform(x).reshape(len(x), -1)  # noqa: E731
    return ds, flat(ds.x_train), flat(ds.x_test)


def _split(y: np.ndarray, seed: int, valid_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    from goodfit.data import stratified_split

    return stratified_split(y, test_fraction=valid_fraction, seed=seed)


def _cap(idx: np.ndarray, max_train: int | None, seed: int) -> np.ndarray:
    """At most ``max_train`` of ``idx`` (a seeded random subset), in their shuffled order."""
    if max_train is None or len(idx) <= max_train:
        return idx
    return np.random.default_rng(seed).permutation(idx)[:max_train]


def _check(seeds: Sequence[int], valid_fraction: float, methods: Sequence[str],
           max_train: int | None = None) -> list[str]:
    """Argument checks before any data loads; returns the methods' canonical labels."""
    if not seeds:
        raise ConfigError("pass at least one seed")
    if max_train is not None and max_train < 2:
        raise ConfigError(f"max_train must be at least 2 training images per task (or unset), got {max_train}")
    if not 0 < valid_fraction < 1:
        raise ConfigError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    if not methods:
        raise ConfigError("pass at least one method, e.g. knn@raw")
    return [parse_method(m).label for m in methods]


# --------------------------------------------------------------------------- the protocols


def one_vs_rest(*, dataset: str = "mnist", methods: Sequence[str] = OVR_METHODS, classes: Sequence[int] | None = None,
                seeds: Sequence[int] = (0, 1, 2), valid_fraction: float = 0.1, max_train: int | None = None,
                show_class: int | None = None, out_dir: str | Path = "runs", data_root: str | None = None,
                progress: bool = False) -> ProtocolResult:
    """Protocol 1: each class in turn is normal; the whole test set is scored (see the module doc).

    ``max_train`` caps the class-k training images (a seeded subset) for quick runs.

    Examples:
        >>> r = one_vs_rest(dataset="mnist-5k", methods=["knn@raw"], classes=[0, 1], seeds=[0],
        ...                 out_dir="/tmp/goodfit-doc")  # doctest: +SKIP
        >>> r.summary[0]["auroc"]["mean"] > 0.9  # doctest: +SKIP
        True
    """
    methods = _check(seeds, valid_fraction, methods, max_train)
    ds, x_tr, x_te = _load_unit(dataset, data_root)
    classes = list(range(ds.n_classes)) if classes is None else [int(c) for c in classes]
    if not classes or any(not 0 <= c < ds.n_classes for c in classes):
        raise ConfigError(f"classes must lie in 0..{ds.n_classes - 1} for {dataset}, got {classes}")
    show = classes[0] if show_class is None else int(show_class)

    def tasks(seed: int) -> Iterable[Task]:
        keep_idx, valid_idx = _split(ds.y_train, seed, valid_fraction)
        for k in classes:
            train = _cap(keep_idx[ds.y_train[keep_idx] == k], max_train, seed)
            valid = valid_idx[ds.y_train[valid_idx] == k]
            yield Task(f"class {ds.classes[k]}", x_tr[train], x_tr[valid], x_te,
                       (ds.y_test != k).astype(np.int8), group=str(k))

    split = (f"per seed s: stratified {valid_fraction:.0%} validation split of the {len(ds.y_train)} training "
             f"images (seed s); detectors fit on the rest's class-k images"
             f"{f' (at most {max_train}, seeded)' if max_train else ''}; the threshold is the "
             f"{FALSE_ALARM_TARGET:.0%} quantile of the validation class-k scores; all {len(ds.y_test)} test "
             f"images are scored, anomaly = label != k")
    config = {"protocol": "one-vs-rest", "dataset": dataset, "image_shape": list(ds.input_shape),
              "classes": classes, "show_class": show,
              "split": split, "valid_fraction": valid_fraction, "max_train": max_train}
    return _run("ovr", config, tasks, methods, seeds, out_dir=out_dir, progress=progress,
                keep=lambda task, seed: seed == seeds[0], show_task=f"class {ds.classes[show]}")


def out_of_distribution(*, dataset: str = "mnist", ood_dataset: str | None = None,
                        methods: Sequence[str] = OOD_METHODS,
                        anomalies: Sequence[str] = ("dataset", "noise", "rotation"),
                        seeds: Sequence[int] = (0, 1, 2), valid_fraction: float = 0.1, max_train: int | None = None,
                        out_dir: str | Path = "runs", data_root: str | None = None,
                        progress: bool = False) -> ProtocolResult:
    """Protocol 2: trained on every class of ``dataset``; anomalies from elsewhere (module doc).

    ``ood_dataset`` defaults to Fashion-MNIST for MNIST and to MNIST otherwise.
    """
    methods = _check(seeds, valid_fraction, methods, max_train)
    unknown = sorted(set(anomalies) - {"dataset", "noise", "rotation"})
    if unknown:
        raise ConfigError(f"unknown anomaly kind {unknown[0]!r}; choose dataset, noise or rotation")
    ood_dataset = ood_dataset or ("fashion-mnist" if dataset != "fashion-mnist" else "mnist")
    ds, x_tr, x_te = _load_unit(dataset, data_root)
    side = ds.x_test.shape[1:]
    if "dataset" in anomalies:
        ood, _, ood_te = _load_unit(ood_dataset, data_root)
        if ood.x_test.shape[1:] != side:
            raise ConfigError(f"{ood_dataset} images {ood.x_test.shape[1:]} differ from {dataset}'s {side}")

    def tasks(seed: int) -> Iterable[Task]:
        keep_idx, valid_idx = _split(ds.y_train, seed, valid_fraction)
        train, valid = x_tr[_cap(keep_idx, max_train, seed)], x_tr[valid_idx]
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(x_te))
        half = len(perm) // 2
        normal, other = x_te[perm[:half]], x_te[perm[half: 2 * half]]
        candidates = {"dataset": lambda: ood_te[rng.choice(len(ood_te), half, replace=len(ood_te) < half)],
                      "noise": lambda: np.clip(other + rng.normal(0, NOISE_STD, other.shape), 0, 1).astype(np.float32),
                      "rotation": lambda: np.rot90(other.reshape(-1, *side), 1, axes=(-2, -1)).reshape(half, -1)}
        for kind in anomalies:
            name = ood_dataset if kind == "dataset" else f"{dataset} + {kind}"
            yield Task(name, train, valid, np.concatenate([normal, candidates[kind]()]),
                       np.r_[np.zeros(half, np.int8), np.ones(half, np.int8)], group=kind, shared="all classes")

    split = (f"per seed s: stratified {valid_fraction:.0%} validation split of {dataset}'s training images "
             f"(seed s); detectors fit on the rest{f' (at most {max_train}, seeded)' if max_train else ''}; "
             f"test normals: a seeded half of {dataset}'s test set; anomalies ({len(ds.y_test) // 2} each): "
             f"{ood_dataset} test images / the other half with N(0, {NOISE_STD}²) noise, clipped / rotated by 90°")
    config = {"protocol": "out-of-distribution", "dataset": dataset, "image_shape": list(side),
              "ood_dataset": ood_dataset,
              "anomalies": list(anomalies), "split": split, "valid_fraction": valid_fraction, "max_train": max_train,
              "noise_std": NOISE_STD}
    first = ood_dataset if anomalies and anomalies[0] == "dataset" else f"{dataset} + {anomalies[0]}"
    return _run("ood", config, tasks, methods, seeds, out_dir=out_dir, progress=progress,
                keep=lambda task, seed: seed == seeds[0], show_task=first)


def contamination(*, dataset: str = "mnist", methods: Sequence[str] = CONTAMINATION_METHODS,
                  fractions: Sequence[float] = (0.0, 0.05, 0.1, 0.2), classes: Sequence[int] | None = None,
                  seeds: Sequence[int] = (0, 1, 2), valid_fraction: float = 0.1, max_train: int | None = None,
                  out_dir: str | Path = "runs", data_root: str | None = None,
                  progress: bool = False) -> ProtocolResult:
    """Protocol 3: one-vs-rest with a fraction ``c`` of anomalies among the training images.

    For class k and fraction c, ``round(c / (1 - c) * n_k)`` training images of other classes are
    added (seeded), so that c of the training set is anomalous; validation and test are as in
    :func:`one_vs_rest` (the threshold still comes from clean validation images of class k).
    """
    methods = _check(seeds, valid_fraction, methods, max_train)
    if any(not 0 <= f < 1 for f in fractions):
        raise ConfigError(f"contamination fractions must lie in [0, 1), got {list(fractions)}")
    ds, x_tr, x_te = _load_unit(dataset, data_root)
    classes = list(range(ds.n_classes)) if classes is None else [int(c) for c in classes]

    def tasks(seed: int) -> Iterable[Task]:
        keep_idx, valid_idx = _split(ds.y_train, seed, valid_fraction)
        rng = np.random.default_rng(seed)
        for k in classes:
            normal = _cap(keep_idx[ds.y_train[keep_idx] == k], max_train, seed)
            others = keep_idx[ds.y_train[keep_idx] != k]
            valid = valid_idx[ds.y_train[valid_idx] == k]
            for f in fractions:
                n_extra = int(round(f / (1 - f) * len(normal)))
                if n_extra > len(others):
                    raise ConfigError(f"contamination {f:g} needs {n_extra} other-class images, only "
                                      f"{len(others)} exist; use a smaller fraction")
                extra = rng.choice(others, n_extra, replace=False)
                yield Task(f"class {ds.classes[k]}, c={f:g}", x_tr[np.r_[normal, extra]], x_tr[valid], x_te,
                           (ds.y_test != k).astype(np.int8), group=f"{f:g}")

    split = (f"as one-vs-rest (stratified {valid_fraction:.0%} validation split, seed s), plus a seeded draw of "
             f"other-class training images so that a fraction c of the training set is anomalous")
    config = {"protocol": "contamination", "dataset": dataset, "image_shape": list(ds.input_shape),
              "classes": classes, "fractions": list(fractions),
              "split": split, "valid_fraction": valid_fraction, "max_train": max_train}
    return _run("contamination", config, tasks, methods, seeds, out_dir=out_dir, progress=progress,
                keep=lambda task, seed: False, show_task=None)


def _run(kind: str, config: dict[str, Any], tasks: Callable[[int], Iterable[Task]], methods: Sequence[str],
         seeds: Sequence[int], *, out_dir: str | Path, progress: bool, keep: Callable[[Task, int], bool],
         show_task: str | None) -> ProtocolResult:
    """Run, summarize, write ``results.json`` and ``report.html`` into a new folder."""
    from goodfit.anomaly.report import write_protocol_report
    from goodfit.anomaly.summary import summarize
    from goodfit.run import RunDir, atomic_write_json, environment_meta

    folder = RunDir.create(out_dir, f"anomaly-{kind}").path
    t0 = time.perf_counter()
    rows = run_tasks(tasks, methods, seeds, keep=keep, progress=progress)
    wall = time.perf_counter() - t0
    summary = summarize(rows, methods, key={"ovr": ("method",), "ood": ("method", "task"),
                                           "contamination": ("method", "group")}[kind])
    plain = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    results = {**config, "methods": methods, "seeds": list(seeds), "wall_time_s": wall, "threads": _threads(),
               "false_alarm_target": FALSE_ALARM_TARGET, "summary": summary,
               "max_auroc_difference_vs_sklearn": max(abs(r["auroc"] - r["auroc_sklearn"]) for r in rows),
               "rows": plain, "meta": environment_meta()}
    atomic_write_json(folder / "results.json", results)
    extras = {"rows": rows, "show_task": show_task}
    write_protocol_report(folder, results, extras)
    return ProtocolResult(folder, plain, summary, extras)


def _threads() -> int:
    import torch

    return torch.get_num_threads()
