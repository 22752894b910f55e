"""Does ``goodfit lr-find`` pick a learning rate as good as a grid search would?

For each optimizer, the range test's suggestion on mnist-5k (the course MLP, its default batch size)
is compared with a grid search over 1e-4..1e-1 (7 log-spaced rates, same epochs, one seed), which
selects on validation accuracy. The issue's target: the suggestion within 3× of the grid's best.

Usage::

    .venv/bin/python bench/lr_find.py                     # adam and sgd, 10 epochs
    .venv/bin/python bench/lr_find.py --optimizers adam --epochs 5
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "lr_find.json"
GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optimizers", default="adam,sgd")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--dataset", default="mnist-5k")
    args = ap.parse_args()
    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    import tempfile

    from goodfit import Config, apply_overrides, fit
    from goodfit.experiment.lr_find import find_lr

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.optimizers.split(","):
            base = [f"data.name={args.dataset}", f"optim.name={name}", f"train.epochs={args.epochs}",
                    f"out_dir={tmp}", "train.check=false", "train.monitors=false"]
            t0 = time.perf_counter()
            found = find_lr(apply_overrides(Config(), base))
            find_s = time.perf_counter() - t0
            scores, t0 = {}, time.perf_counter()
            for lr in GRID:
                result = fit(apply_overrides(Config(), [*base, f"optim.lr={lr}"]), progress="quiet", report=False)
                scores[lr] = result.metrics["valid"]["accuracy"]
            grid_s = time.perf_counter() - t0
            best = max(scores, key=scores.get)
            at_found = fit(apply_overrides(Config(), [*base, f"optim.lr={found.suggestion:.3g}"]), progress="quiet",
                           report=False).metrics["valid"]["accuracy"]
            ratio = max(found.suggestion, best) / min(found.suggestion, best)
            rows.append({"optimizer": name, "suggestion": round(found.suggestion, 6), "rule": found.rule,
                         "grid_best_lr": best, "ratio": round(ratio, 2), "valid_acc_at_suggestion": at_found,
                         "grid_best_valid_acc": scores[best], "grid": scores, "lr_find_s": round(find_s, 1),
                         "grid_s": round(grid_s, 1)})
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"epochs": args.epochs, "dataset": args.dataset, "rows": rows}, indent=2) + "\n")
    print("| optimizer | lr-find suggests | grid's best lr | ratio | valid acc at suggestion | grid's best valid acc "
          "| lr-find (s) | grid (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['optimizer']} | {r['suggestion']:.3g} ({r['rule']}) | {r['grid_best_lr']:g} | {r['ratio']}× "
              f"| {r['valid_acc_at_suggestion']:.4f} | {r['grid_best_valid_acc']:.4f} | {r['lr_find_s']} "
              f"| {r['grid_s']} |")
    for r in rows:
        print(r["optimizer"], {f"{k:g}": round(v, 4) for k, v in r["grid"].items()})


if __name__ == "__main__":
    main()
