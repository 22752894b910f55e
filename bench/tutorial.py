"""The CIFAR-10 tutorial's ConvNet, the tutorial's way and goodfit's way, side by side in one run.

1. ``examples/cifar10_tutorial.py`` as written (softmax before CrossEntropyLoss, an unshuffled train
   loader, the test split as validation), in a subprocess: its best "validation" accuracy, which is a
   test accuracy chosen on the test set, and its wall time;
2. the same script under ``goodfit watch`` on 2,000 images for two epochs: the findings goodfit raises
   on the tutorial's way (the checks do not depend on how long it trains);
3. ``goodfit train`` of ``model.name=tutorial-convnet``, the same layers, for the same epochs, goodfit's
   way (shuffled batches, a validation split carved from train, the test set touched once, plus the
   overrides below), in a subprocess: its test accuracy and wall time.

Results go to ``bench/out/tutorial.json`` (or ``--out``); bench/RESULTS.md records them.

Usage::

    .venv/bin/python bench/tutorial.py                          # 10 epochs each
    .venv/bin/python bench/tutorial.py --epochs 2 --limit 5000  # a quick try
    .venv/bin/python bench/tutorial.py model.batchnorm=true     # goodfit's way with other overrides
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "tutorial.json"
SCRIPT = ROOT / "examples" / "cifar10_tutorial.py"
GOODFIT = [sys.executable, "-m", "goodfit.cli"]
# goodfit's way for these layers: the cifar10 recipe's data and optimizer choices, adapted to a network
# without batch norm (Adam-W on a one-cycle schedule rather than SGD at lr 0.4)
GOODFIT_WAY = ("data.name=cifar10", "model.name=tutorial-convnet", "data.scaling=standardize",
               "data.augment=crop-flip", "optim.name=adamw", "optim.lr=2e-3", "optim.weight_decay=5e-2",
               "optim.schedule=onecycle", "optim.label_smoothing=0.1", "train.batch_size=128", "train.amp=true")


def _timed(cmd: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc, seconds


def tutorial_way(tmp: Path, epochs: int, limit: int) -> dict:
    result = tmp / "tutorial.json"
    _, seconds = _timed([sys.executable, str(SCRIPT), "--epochs", str(epochs), "--limit", str(limit),
                         "--result", str(result)])
    return {**json.loads(result.read_text()), "wall_s": seconds}


def tutorial_findings(tmp: Path) -> list[dict]:
    _timed([*GOODFIT, "watch", "--out-dir", str(tmp / "watch"), str(SCRIPT), "--epochs", "2", "--limit", "2000"])
    found = json.loads(next((tmp / "watch").glob("*/findings.json")).read_text())
    return [{"id": f["id"], "severity": f["severity"]} for f in found]


def goodfit_way(tmp: Path, epochs: int, limit: int, overrides: list[str]) -> dict:
    run = tmp / "goodfit-run"
    subset = [f"data.train_subset={limit}"] if limit else []
    _timed([*GOODFIT, "train", f"--run-dir={run}", *GOODFIT_WAY, f"train.epochs={epochs}", *subset, *overrides])
    metrics = json.loads((run / "metrics.json").read_text())
    return {"test_accuracy": metrics["test"]["accuracy"], "train_time_s": metrics["train_time_s"],
            "best_epoch": metrics.get("best_epoch"), "overrides": [*GOODFIT_WAY, *subset, *overrides]}


def main(epochs: int, limit: int, overrides: list[str], out: Path) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tutorial = tutorial_way(tmp, epochs, limit)
        print(f"tutorial's way: best 'validation' (= test) accuracy {tutorial['best_valid_accuracy']:.4f}, "
              f"{tutorial['wall_s']:.0f} s", flush=True)
        findings = tutorial_findings(tmp)
        print("goodfit watch on it: " + ", ".join(f"{f['id']} ({f['severity']})" for f in findings), flush=True)
        t0 = time.perf_counter()
        ours = goodfit_way(tmp, epochs, limit, overrides)
        ours["wall_s"] = time.perf_counter() - t0
    print(f"goodfit's way: test accuracy {ours['test_accuracy']:.4f} (touched once), {ours['wall_s']:.0f} s; "
          f"{100 * (ours['test_accuracy'] - tutorial['best_valid_accuracy']):+.1f} points")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"epochs": epochs, "limit": limit, "tutorial": tutorial, "findings": findings,
                               "goodfit": ours, "machine": {"cpu": cpu_model()}}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="config overrides for goodfit's way")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=0, help="training images (0: all 50,000)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    main(args.epochs, args.limit, args.overrides, args.out)
