"""What ``goodfit watch`` costs a training script: the same course-style script, run plainly and under
``goodfit watch``, as two subprocesses, alternating.

The script is the course's MNIST MLP loop: a map-style ``Dataset`` over the IDX arrays (one sample per
``__getitem__``, scaled there), ``DataLoader(batch_size=64, shuffle=True)``, 784-64-64-64-10, Adam,
``--epochs`` epochs (2), an ``evaluate(model, loader)`` on a validation split after every epoch and on
the test set at the end. Wall time is from process start to exit; the watched run also writes its
``findings.json``. Beside the wall time, the CPU time (user + system) of each run is recorded: watching
runs its data checks on a second thread, which the wall time hides while a core is free, so the CPU
time's overhead is an upper bound on what the checks would cost one core; it is also steadier when
the machine's speed drifts. Besides the medians of each kind, the median over rounds of each watched
run's time over its own round's plain run is reported: the machine's speed drifts from round to round
(here by up to 15 %), and a ratio within a round leaves most of that out; the quartiles of those ratios
show how far one round's answer can be trusted. Results go to
``bench/out/watch_overhead.json``.

Usage::

    .venv/bin/python bench/watch_overhead.py --rounds 3 --nice -15
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import prioritizer, wait_idle

OUT = Path(__file__).resolve().parent / "out" / "watch_overhead.json"

SCRIPT = r'''
import gzip, sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split

torch.manual_seed(0)
root, epochs = Path(sys.argv[1]) / "mnist" / "MNIST" / "raw", int(sys.argv[2])


def idx(name):
    with gzip.open(root / name) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


class MNIST(Dataset):
    def __init__(self, train):
        prefix = "train" if train else "t10k"
        self.train = train
        self.x = torch.from_numpy(idx(f"{prefix}-images-idx3-ubyte.gz").copy())
        self.y = torch.from_numpy(idx(f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.x[i].float().view(-1) / 255 - 0.1307) / 0.3081, self.y[i]


train_set, valid_set = random_split(MNIST(True), [54000, 6000], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
valid_loader = DataLoader(valid_set, batch_size=256)
test_loader = DataLoader(MNIST(False), batch_size=256)
model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                      nn.Linear(64, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


for epoch in range(epochs):
    model.train()
    for x, y in train_loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1} validation accuracy {evaluate(model, valid_loader):.4f}", flush=True)
print(f"test accuracy {evaluate(model, test_loader):.4f}")
'''


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], env: dict[str, str], nice: int, cwd: str) -> tuple[float, float, str]:
    """Wall and CPU seconds of one run, and its last line of output."""
    wait_idle(60.0)
    cpu0, t0 = _cpu_of_children(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, preexec_fn=prioritizer(nice))
    wall, cpu = time.perf_counter() - t0, _cpu_of_children() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2)
    repo = Path(__file__).resolve().parents[1]
    p.add_argument("--data-root", default=os.environ.get("GOODFIT_DATA") or str(repo.parent / "shared" / "data"))
    p.add_argument("--nice", type=int, default=0)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    times: dict[str, list[float]] = {"plain": [], "watched": []}
    cpu: dict[str, list[float]] = {"plain": [], "watched": []}
    outputs: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "course_mnist.py"
        script.write_text(SCRIPT)
        commands = {"plain": [sys.executable, str(script), args.data_root, str(args.epochs)],
                    "watched": [sys.executable, "-m", "goodfit.cli", "watch", "--out-dir", f"{tmp}/runs", str(script),
                                args.data_root, str(args.epochs)]}
        for r in range(args.rounds):
            for name in (("plain", "watched") if r % 2 == 0 else ("watched", "plain")):
                wall, seconds, outputs[name] = _run(commands[name], dict(os.environ), args.nice, tmp)
                times[name].append(wall)
                cpu[name].append(seconds)
                print(f"round {r + 1} {name:<8} {wall:6.2f} s wall {seconds:6.2f} s CPU  {outputs[name]}", flush=True)
    best = {k: min(v) for k, v in times.items()}
    median = {k: statistics.median(v) for k, v in times.items()}
    # each watched run over the plain run of its own round: the machine's speed drifts between rounds
    ratios = [w / p for p, w in zip(times["plain"], times["watched"])]
    paired = statistics.median(ratios) - 1
    quartiles = [q - 1 for q in statistics.quantiles(ratios, n=4)] if len(ratios) > 1 else [paired] * 3
    cpu_median = {k: statistics.median(v) for k, v in cpu.items()}
    result = {"epochs": args.epochs, "rounds": args.rounds, "times_s": times, "best_s": best, "median_s": median,
              "overhead_best": best["watched"] / best["plain"] - 1,
              "overhead_median": median["watched"] / median["plain"] - 1, "overhead_paired_median": paired,
              "overhead_paired_quartiles": [quartiles[0], quartiles[2]],
              "cpu_s": cpu, "cpu_median_s": cpu_median,
              "cpu_overhead_median": cpu_median["watched"] / cpu_median["plain"] - 1,
              "same_output": outputs["plain"] == outputs["watched"],
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    best_pct, median_pct = 100 * result["overhead_best"], 100 * result["overhead_median"]
    cpu_pct = 100 * result["cpu_overhead_median"]
    print(f"watch overhead: wall best {best_pct:+.1f} %, median {median_pct:+.1f} %, median of the rounds' own "
          f"ratios {100 * paired:+.1f} % (quartiles {100 * quartiles[0]:+.1f} / {100 * quartiles[2]:+.1f} %); "
          f"CPU median {cpu_pct:+.1f} %; same output: {result['same_output']}")


if __name__ == "__main__":
    main()
