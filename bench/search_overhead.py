"""goodfit search vs a bare Optuna loop calling the same training function; --jobs 1 vs --jobs 2.

Usage: .venv/bin/python bench/search_overhead.py  (mnist-5k, 8 grid points, 2 epochs, MLP 32 or 64-64)
"""

from __future__ import annotations

import itertools
import tempfile
import time

import optuna

from goodfit import Config, apply_overrides, fit
from goodfit.search import create_search, finish_search
from goodfit.search.study import run_workers

GRID = {"model.hidden": ["32", "64,64"], "optim.lr": [1e-4, 1e-3, 1e-2, 0.3]}
BASE = [
    "data.name=mnist-5k",
    "train.epochs=2",
    "train.monitors=false",
    "train.check=false",
    "train.checkpoint=false",
]


def bare(out: str) -> float:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    for point in itertools.product(*GRID.values()):
        study.enqueue_trial(dict(zip(GRID, point, strict=True)))

    def objective(trial: optuna.Trial) -> float:
        params = {k: trial.suggest_categorical(k, v) for k, v in GRID.items()}
        cfg = apply_overrides(
            Config(),
            [*BASE, f"out_dir={out}", "train.evaluate_test=false", *(f"{k}={v}" for k, v in params.items())],
        )
        return fit(cfg, progress="quiet", report=False).metrics["valid"]["accuracy"]

    t0 = time.perf_counter()
    study.optimize(objective, n_trials=8)
    return time.perf_counter() - t0


def goodfit_search(out: str, jobs: int) -> tuple[float, float, float]:
    """Seconds to create the study, to run all trials (``jobs`` workers), and to summarize + report."""
    cfg = apply_overrides(Config(), [*BASE, f"out_dir={out}"])
    t0 = time.perf_counter()
    study_dir = create_search(cfg, grid=GRID)
    t1 = time.perf_counter()
    run_workers(study_dir, jobs=jobs)
    t2 = time.perf_counter()
    finish_search(study_dir, retrain=False, progress=False)
    return t1 - t0, t2 - t1, time.perf_counter() - t2


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        fit(
            apply_overrides(Config(), [*BASE, f"out_dir={out}", "train.epochs=1"]),
            progress="quiet",
            report=False,
        )
        rows = []
        for _ in range(2):  # interleaved, twice: the machine is shared
            rows.append(("bare", bare(out), 0.0, 0.0))
            rows.append(("search-j1", *goodfit_search(out, 1)))
        rows.append(("search-j2", *goodfit_search(out, 2)))
    print("name        create   trials   finish (s)")
    for name, *secs in rows:
        c, t, f = (0.0, *secs[:1], 0.0) if name == "bare" else secs
        print(f"{name:10s} {c:7.2f} {t:8.2f} {f:8.2f}   ({t / 8:.2f} s/trial)")
    b = min(r[1] for r in rows if r[0] == "bare")
    g = min(r[2] for r in rows if r[0] == "search-j1")
    print(f"trial-loop overhead per trial (best of 2): {(g - b) / 8:.3f} s = {100 * (g - b) / b:.1f} %")


if __name__ == "__main__":
    main()
