"""CIFAR-10 time to accuracy, side by side: goodfit's recipe, airbench94, Lightning's ResNet-18 and the tutorial.

Runs the four benchmarks one after another on this machine, each in its own process, and sets their
results against each other (the issue's targets: goodfit at most 1.0x airbench's wall time to 90 %, at
least 3x faster than Lightning to 90 %, the tutorial's ConvNet 10 points above the tutorial's way):

1. ``bench/cifar.py``: ``goodfit train --recipe cifar10``, the whole run, the test set touched once;
2. ``bench/airbench_cpu.py``: airbench94's own code on this CPU (its wall time includes its per-epoch
   test passes, as goodfit's includes its per-epoch validation);
3. ``bench/tutorial.py``: the tutorial's way and goodfit's way of the tutorial's ConvNet;
4. ``bench/lightning_cifar.py --minutes M``, ``M`` three times goodfit's wall time plus two minutes:
   if Lightning is still below 90 % then, its time to 90 % is more than 3x goodfit's (a full run
   takes hours on two cores, so only this bound is measured).

``--pairs N`` repeats steps 1 and 2 N times, alternating which goes first, for the machine's drift.
Each benchmark writes its own file under ``bench/out/side_by_side/``; the summary goes to
``bench/out/cifar_side_by_side.json``. bench/RESULTS.md records the results.

Usage::

    .venv/bin/python bench/cifar_side_by_side.py                         # about 1 h on 2 AMX cores
    .venv/bin/python bench/cifar_side_by_side.py --pairs 2 --skip lightning,tutorial
    .venv/bin/python bench/cifar_side_by_side.py --quick                 # a few minutes: does it all run?
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_model

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out" / "cifar_side_by_side.json"
PARTS = ("airbench", "tutorial", "lightning")  # what --skip can leave out; goodfit's recipe always runs
# --quick: each benchmark cut to a smoke run (the ratios then mean nothing)
QUICK = {"goodfit": ["train.epochs=1", "data.train_subset=2048"], "airbench": ["--epochs", "0.1"],
         "tutorial": ["--epochs", "1", "--limit", "1000"]}


def _run(name: str, script: str, args: list[str], out: Path) -> dict:
    """Run ``bench/<script> <args> --out <out>`` (its output shown as it goes) and read what it wrote."""
    print(f"--- {name}: {script} {' '.join(args)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(BENCH / script), *args, "--out", str(out)], cwd=BENCH.parent)
    if proc.returncode != 0:
        sys.exit(f"{script} failed ({proc.returncode}); its output is above")
    return {**json.loads(out.read_text()), "process_s": time.perf_counter() - t0}


def _goodfit(out: Path, quick: bool) -> dict:
    r = _run("goodfit", "cifar.py", QUICK["goodfit"] if quick else [], out)
    return {"test_acc": r["test"], "wall_s": r["wall_s"], "train_s": r["train_time_s"]}


def _airbench(out: Path, quick: bool) -> dict:
    r = _run("airbench94", "airbench_cpu.py", QUICK["airbench"] if quick else ["--epochs", "9.9"], out)
    return {"test_acc": r["tta_test_acc"], "wall_s": r["wall_s"], "own_clock_s": r["airbench_time_s"]}


def _pairs(n: int, folder: Path, quick: bool) -> tuple[list[dict], list[dict]]:
    """goodfit and airbench ``n`` times each, the first of each pair alternating."""
    ours, theirs = [], []
    for i in range(n):
        order = ("goodfit", "airbench") if i % 2 == 0 else ("airbench", "goodfit")
        for name in order:
            if name == "goodfit":
                ours.append(_goodfit(folder / f"goodfit_{i}.json", quick))
            else:
                theirs.append(_airbench(folder / f"airbench_{i}.json", quick))
    return ours, theirs


def main(pairs: int, skip: set[str], quick: bool, out: Path) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(BENCH.parents[1] / "shared" / "data"))
    folder = out.parent / "side_by_side"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    if "airbench" in skip:
        ours, theirs = [_goodfit(folder / "goodfit_0.json", quick)], []
    else:
        ours, theirs = _pairs(pairs, folder, quick)
    summary: dict = {"started": started, "cpu": cpu_model(), "quick": quick, "goodfit": ours, "airbench": theirs}
    goodfit_s = statistics.median(r["wall_s"] for r in ours)
    if theirs:
        summary["goodfit_over_airbench"] = [g["wall_s"] / a["wall_s"] for g, a in zip(ours, theirs, strict=True)]
    if "tutorial" not in skip:
        r = _run("tutorial", "tutorial.py", QUICK["tutorial"] if quick else [], folder / "tutorial.json")
        its, ours_t = r["tutorial"], r["goodfit"]
        summary["tutorial"] = {"its_way_acc": its["best_valid_accuracy"], "its_way_s": its["wall_s"],
                               "goodfit_acc": ours_t["test_accuracy"], "goodfit_s": ours_t["wall_s"],
                               "findings": [f["id"] for f in r["findings"]]}
    if "lightning" not in skip:
        minutes = 0.5 if quick else math.ceil(3 * goodfit_s / 60) + 2
        r = _run("lightning", "lightning_cifar.py", ["--minutes", str(minutes)], folder / "lightning.json")
        best = max((row["val_acc"] for row in r["rows"]), default=float("nan"))
        summary["lightning"] = {"minutes": minutes, "wall_s": r["wall_s"], "best_valid_acc": best,
                                "reached_90": best >= 0.9, "at_least_x_goodfit": r["wall_s"] / goodfit_s}
    out.write_text(json.dumps(summary, indent=1))
    _print(summary)


def _print(s: dict) -> None:
    quick = ", --quick: smoke runs, the ratios mean nothing" if s["quick"] else ""
    print(f"\nCIFAR-10 side by side ({s['cpu']}, started {s['started']}{quick})")
    for g in s["goodfit"]:
        print(f"  goodfit --recipe cifar10   test {g['test_acc']:.4f}   whole run {g['wall_s']:7.0f} s")
    for a in s["airbench"]:
        print(f"  airbench94                 test {a['test_acc']:.4f}   wall {a['wall_s']:7.0f} s "
              f"(its clock {a['own_clock_s']:.0f} s)")
    if "goodfit_over_airbench" in s:
        print("  goodfit / airbench, wall:  " + ", ".join(f"{r:.2f}x" for r in s["goodfit_over_airbench"]))
    if "lightning" in s:
        lt = s["lightning"]
        verdict = ("reached 90 %" if lt["reached_90"] else
                   f"below 90 %: its time to 90 % is more than {lt['at_least_x_goodfit']:.1f}x goodfit's")
        print(f"  Lightning ResNet-18        best valid {lt['best_valid_acc']:.4f} after {lt['wall_s']:.0f} s, "
              f"{verdict}")
    if "tutorial" in s:
        t = s["tutorial"]
        gain = 100 * (t["goodfit_acc"] - t["its_way_acc"])
        print(f"  tutorial's ConvNet         its way {t['its_way_acc']:.4f} in {t['its_way_s']:.0f} s, goodfit's way "
              f"{t['goodfit_acc']:.4f} in {t['goodfit_s']:.0f} s ({gain:+.1f} points)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1, help="goodfit / airbench runs each, alternating")
    parser.add_argument("--skip", default="", help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--quick", action="store_true", help="smoke runs of each, to check the set-up")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    skip = {p for p in args.skip.split(",") if p}
    if skip - set(PARTS):
        parser.error(f"--skip takes {', '.join(PARTS)}; got {', '.join(sorted(skip - set(PARTS)))}")
    main(max(1, args.pairs), skip, args.quick, args.out)
