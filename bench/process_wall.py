"""The whole process, as a user waits for it: ``goodfit train`` against a bare hand-written script.

The job: the course MLP (784-64-64-64-10, ReLU, Adam lr 3e-3, batch 256) on full MNIST for
``--epochs`` epochs (10), CPU. Both sides do the same training: inputs standardized with training
statistics, 10 % of the training set held out for validation and scored after every epoch, the
test set evaluated once at the end. What goodfit does on top is its own: start-up of the CLI, the
pitfall lint, training monitors, checkpoints, baselines, predictions, plots, ``report.html``.

The hand script is written to a temporary file and run as ``python script.py``; goodfit as
``python -m goodfit.cli train --dataset mnist --epochs N``. Each runs in its own subprocess,
alternating, ``--rounds`` times; the table gives best and median wall time and their ratios.
Results go to ``bench/out/process_wall.json``.

Usage::

    .venv/bin/python bench/process_wall.py                    # 3 rounds, 10 epochs
    .venv/bin/python bench/process_wall.py --rounds 5 --nice -15
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_model, prioritizer, wait_idle

OUT = Path(__file__).resolve().parent / "out" / "process_wall.json"

HAND_SCRIPT = r'''
import gzip, sys, time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

root, epochs = Path(sys.argv[1]) / "mnist" / "MNIST" / "raw", int(sys.argv[2])


def idx(name):
    with gzip.open(root / name) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


torch.manual_seed(0)
x = torch.from_numpy(idx("train-images-idx3-ubyte.gz").astype(np.float32)).view(-1, 784)
y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
x_test = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").astype(np.float32)).view(-1, 784)
y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
perm = torch.randperm(len(y))
valid, train = perm[:6000], perm[6000:]
mean, std = x[train].mean(), x[train].std()
x, x_test = (x - mean) / std, (x_test - mean) / std
model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                      nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
x_train, y_train = x[train], y[train]
for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(y_train))
    for i in range(0, len(order), 256):
        b = order[i:i + 256]
        loss = F.cross_entropy(model(x_train[b]), y_train[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(x[valid])
    print(f"epoch {epoch + 1} valid loss {F.cross_entropy(out, y[valid]):.4f} "
          f"acc {(out.argmax(1) == y[valid]).float().mean():.4f}", flush=True)
with torch.no_grad():
    print(f"test accuracy {(model(x_test).argmax(1) == y_test).float().mean():.4f}")
'''


def _run(cmd: list[str], env: dict[str, str], nice: int) -> tuple[float, str]:
    wait_idle(60.0)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=prioritizer(nice))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    acc = next((line for line in proc.stdout.splitlines() if "test accuracy" in line), "?")
    return wall, acc


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=10)
    repo = Path(__file__).resolve().parents[1]
    p.add_argument("--data-root", default=os.environ.get("GOODFIT_DATA") or str(repo.parent / "shared" / "data"))
    p.add_argument("--nice", type=int, default=0, help="run the subprocesses at this niceness (root only)")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    env = {**os.environ, "GOODFIT_DATA": args.data_root}
    times: dict[str, list[float]] = {"goodfit": [], "hand": []}
    accs: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "hand.py"
        script.write_text(HAND_SCRIPT)
        commands = {
            "hand": [sys.executable, str(script), args.data_root, str(args.epochs)],
            "goodfit": [sys.executable, "-m", "goodfit.cli", "train", "--dataset", "mnist", "--epochs",
                        str(args.epochs), "--progress", "lines", f"out_dir={tmp}/runs"],
        }
        for r in range(args.rounds):
            for name in (("hand", "goodfit") if r % 2 == 0 else ("goodfit", "hand")):
                wall, accs[name] = _run(commands[name], env, args.nice)
                times[name].append(wall)
                print(f"round {r + 1} {name:<8} {wall:6.2f} s  {accs[name]}", flush=True)
    best = {k: min(v) for k, v in times.items()}
    median = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "epochs": args.epochs, "rounds": args.rounds, "times_s": times, "best_s": best, "median_s": median,
        "ratio_best": best["goodfit"] / best["hand"], "ratio_median": median["goodfit"] / median["hand"],
        "test_accuracy": accs, "cpu": cpu_model(), "threads": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"goodfit / hand: best {result['ratio_best']:.3f}x, median {result['ratio_median']:.3f}x "
          f"(best {best['goodfit']:.2f} s vs {best['hand']:.2f} s)")


if __name__ == "__main__":
    main()
