"""Tasks beyond classes on real data: what goodfit reaches on the embedded tables and on MNIST
denoising, against independent references on the same splits.

- ``breast-cancer`` (binary, test AUROC) and ``diabetes`` (regression, test R²): goodfit with every
  default, and with a small-table setting (``--table`` overrides below), each over ``--seeds``
  seeds; scikit-learn's logistic / linear regression on the same split; the same linear model over
  30 other random 80/20 splits (how much the one fixed test split decides); and goodfit's 5-fold
  cross-validation on the training part (test untouched).
- ``mnist`` denoising (Gaussian noise, std 0.3 of the [0, 1] range): test PSNR of goodfit's MLP
  against the noisy input itself.

Usage::

    .venv/bin/python bench/tasks.py            # about 3 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out" / "tasks.json"
TABLE = ["model.hidden=32", "train.batch_size=32", "train.epochs=50", "optim.lr=1e-3"]


def _linear(name: str, x_train, y_train, x_test, y_test) -> float:
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_train)
    a, b = scaler.transform(x_train), scaler.transform(x_test)
    if name == "breast-cancer":
        return float(roc_auc_score(y_test, LogisticRegression(max_iter=5000).fit(a, y_train).predict_proba(b)[:, 1]))
    return float(r2_score(y_test, LinearRegression().fit(a, y_train).predict(b)))


def _other_splits(name: str, n: int = 30) -> list[float]:
    from sklearn.model_selection import train_test_split

    from goodfit.data import load_dataset

    ds = load_dataset(name)
    x, y = np.concatenate([ds.x_train, ds.x_test]), np.concatenate([ds.y_train, ds.y_test])
    out = []
    for seed in range(n):
        tr, te = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed,
                                  stratify=y if name == "breast-cancer" else None)
        out.append(_linear(name, x[tr], y[tr], x[te], y[te]))
    return out


def _goodfit(name: str, overrides: list[str], seeds: int, out_dir: str) -> dict:
    from goodfit import Config, apply_overrides, fit

    scores, valid, seconds = [], [], []
    for seed in range(seeds):
        cfg = apply_overrides(Config(), [f"data.name={name}", f"seed={seed}", f"out_dir={out_dir}", *overrides])
        t0 = time.perf_counter()
        m = fit(cfg, progress="quiet", report=False).metrics
        seconds.append(time.perf_counter() - t0)
        scores.append(m["test"][m["score"]])
        valid.append(m["valid"][m["score"]])
    return {"test": scores, "mean": statistics.mean(scores), "std": statistics.stdev(scores) if seeds > 1 else 0.0,
            "valid_mean": statistics.mean(valid), "seconds_per_run": statistics.mean(seconds)}


def _folds(name: str, overrides: list[str], out_dir: str) -> dict:
    from goodfit import Config, apply_overrides
    from goodfit.robust import run_folds

    cfg = apply_overrides(Config(), [f"data.name={name}", f"out_dir={out_dir}", *overrides])
    res = run_folds(cfg, 5, progress=False)
    key = "valid_auroc" if name == "breast-cancer" else "valid_r2"
    return res.summary[key]


def _denoising(seeds: int, out_dir: str) -> dict:
    from goodfit import Config, apply_overrides, fit

    rows = []
    for seed in range(seeds):
        cfg = apply_overrides(Config(), ["data.name=mnist", "data.task=denoising", "data.scaling=minmax01",
                                         "data.noise_std=0.3", "model.hidden=256", "train.epochs=5",
                                         f"seed={seed}", f"out_dir={out_dir}"])
        m = fit(cfg, progress="quiet", report=False).metrics
        rows.append((m["test"]["psnr"], m["baselines"]["identity"]["psnr"]))
    return {"psnr": [r[0] for r in rows], "noisy_input_psnr": rows[0][1],
            "mean": statistics.mean(r[0] for r in rows)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    from goodfit.data import load_dataset

    result: dict = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "seeds": args.seeds}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("breast-cancer", "diabetes"):
            ds = load_dataset(name)
            others = _other_splits(name)
            result[name] = {
                "goodfit_defaults": _goodfit(name, [], args.seeds, tmp),
                "goodfit_table": _goodfit(name, TABLE, args.seeds, tmp),
                "linear_same_split": _linear(name, ds.x_train, ds.y_train, ds.x_test, ds.y_test),
                "linear_other_splits": {"median": statistics.median(others), "min": min(others), "max": max(others)},
                "goodfit_5fold_valid": _folds(name, [*TABLE], tmp),
            }
            print(name, json.dumps(result[name]), flush=True)
        result["mnist_denoising"] = _denoising(args.seeds, tmp)
        print("mnist denoising", json.dumps(result["mnist_denoising"]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
