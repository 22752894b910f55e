"""Spoken digits (FSDD): how much of the test accuracy is lost to voices the model never heard.

``goodfit train --dataset fsdd --model convnet`` tests on two speakers (jackson, theo) whose 1,000
recordings no model hears in training; the other four voices train and validate. This script trains
the same convnet, in this process, on:

- ``fsdd``: the shipped, speaker-disjoint split;
- ``fsdd`` with ``data.augment=spectrogram`` (time shifts and SpecAugment masks);
- ``fsdd-cmvn``: each clip's log-mel bands centred and scaled by the clip's own statistics
  (cepstral mean and variance normalization, the classical cure for speaker and channel differences);
- ``fsdd-seen``: the control, a stratified random test split of the same size, so the test voices are
  heard in training too (what most FSDD tutorials report). It is registered here only: a split that
  mixes speakers measures recognising voices, not generalizing to new ones (the group-overlap finding).

Each variant (or the ``--variants`` chosen) over ``--seeds`` seeds; mean ± std of the test accuracy
go to ``bench/out/fsdd.json``.

Usage::

    .venv/bin/python bench/fsdd.py                   # 3 seeds, 20 epochs each
    .venv/bin/python bench/fsdd.py --seeds 1 --variants shipped,cmvn,seen
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out" / "fsdd.json"
BASE = ("model.name=convnet", "train.check=false")


def _register() -> None:
    from goodfit.data import DATASETS, Dataset, load_dataset
    from goodfit.data.splits import stratified_split

    def cmvn(root=None, download=False) -> Dataset:
        ds = load_dataset("fsdd", root=root)

        def norm(x: np.ndarray) -> np.ndarray:  # (N, 1, bands, frames): per clip and band, over time
            return ((x - x.mean(axis=-1, keepdims=True)) / (x.std(axis=-1, keepdims=True) + 1e-5)).astype(np.float32)

        return Dataset("fsdd-cmvn", norm(ds.x_train), ds.y_train, norm(ds.x_test), ds.y_test, classes=ds.classes,
                       source=ds.source, groups_train=ds.groups_train, groups_test=ds.groups_test)

    def seen(root=None, download=False) -> Dataset:
        ds = load_dataset("fsdd", root=root)
        x = np.concatenate([ds.x_train, ds.x_test])
        y = np.concatenate([ds.y_train, ds.y_test])
        keep, held = stratified_split(y, test_fraction=len(ds.y_test) / len(y), seed=0)
        return Dataset("fsdd-seen", x[keep], y[keep], x[held], y[held], classes=ds.classes, source=ds.source)

    DATASETS.add("fsdd-cmvn", cmvn, "FSDD with per-clip, per-band normalization (bench/fsdd.py)")
    DATASETS.add("fsdd-seen", seen, "FSDD with the test voices heard in training too (bench/fsdd.py)")


VARIANTS = {  # key: (what it is, its overrides)
    "shipped": ("unseen voices (shipped)", ("data.name=fsdd",)),
    "augment": ("unseen voices, augment=spectrogram", ("data.name=fsdd", "data.augment=spectrogram")),
    "cmvn": ("unseen voices, per-clip CMVN", ("data.name=fsdd-cmvn",)),
    "cmvn-augment": ("unseen voices, CMVN + augment", ("data.name=fsdd-cmvn", "data.augment=spectrogram")),
    "seen": ("seen voices (control)", ("data.name=fsdd-seen",)),
}


def main(seeds: int, variants: list[str], overrides: list[str], out: Path) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    from goodfit.config import build_config
    from goodfit.experiment import fit

    _register()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key in variants:
            label, variant = VARIANTS[key]
            accs, seconds = [], []
            for seed in range(seeds):
                t0 = time.perf_counter()
                cfg = build_config(None, [*BASE, *variant, f"seed={seed}", f"out_dir={tmp}", *overrides])
                result = fit(cfg, progress="quiet", report=False)
                accs.append(result.metrics["test"]["accuracy"])
                seconds.append(time.perf_counter() - t0)
            rows[label] = {"overrides": [*BASE, *variant, *overrides], "test_accuracy": accs,
                           "mean": statistics.mean(accs), "std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
                           "seconds_per_run": statistics.mean(seconds)}
            print(f"{label:38s} test accuracy {rows[label]['mean']:.4f} ± {rows[label]['std']:.4f} "
                  f"({seeds} seeds, {rows[label]['seconds_per_run']:.0f} s a run)", flush=True)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"seeds": seeds, "overrides": overrides, "variants": rows}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="config overrides for every variant")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"some of {', '.join(VARIANTS)}")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := sorted(set(chosen) - set(VARIANTS)):
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    main(args.seeds, chosen, args.overrides, args.out)
