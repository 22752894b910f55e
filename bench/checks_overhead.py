"""What goodfit's guardrails cost: the throughput benchmark's goodfit job with and without them.

The job is ``throughput.py``'s (full MNIST, MLP 784-64-64-64-10, Adam lr 3e-3, batch 256, 2 epochs,
CPU, no validation split, no checkpoints). Three settings, each a whole ``goodfit.fit`` call:

- ``none``: ``train.check=false train.monitors=false`` (no pitfall lint, no training monitors)
- ``lint``: the pitfall lint alone (before training: data, labels, scaling, model and loss probes)
- ``all``: the defaults (lint + monitors; the curve diagnosis runs in both ``lint`` and ``all``)

All settings run in one process, interleaved over ``--rounds`` rounds after a warm-up fit, so the
machine's state affects them alike; each setting's best round counts. The overhead is the ratio of
wall times minus one (target < 5 %).

Usage::

    .venv/bin/python bench/checks_overhead.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

SETTINGS = {
    "none": ("train.check=false", "train.monitors=false"),
    "lint": ("train.monitors=false",),
    "all": (),
}
JOB = ("data.name=mnist", "data.valid_fraction=0", "model.hidden=64,64,64", "optim.lr=3e-3", "train.batch_size=256",
       "train.epochs=2", "train.checkpoint=false")
OUT = Path(__file__).resolve().parent / "out" / "checks_overhead.json"


def _fit(extra: tuple[str, ...], root: str, out: str) -> tuple[float, float, float]:
    """(wall s of the fit call, its training-loop s, test accuracy)."""
    from goodfit import Config, apply_overrides, fit

    cfg = apply_overrides(Config(), [*JOB, f"data.root={root}", f"out_dir={out}", *extra])
    t0 = time.perf_counter()
    res = fit(cfg, progress="quiet", report=False)
    return time.perf_counter() - t0, res.metrics["train_time_s"], res.metrics["test"]["accuracy"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    repo = Path(__file__).resolve().parents[1]
    p.add_argument("--data-root", default=os.environ.get("GOODFIT_DATA") or str(repo / ".." / "shared" / "data"))
    args = p.parse_args()
    import torch

    rows: dict[str, list[tuple[float, float, float]]] = {k: [] for k in SETTINGS}
    with tempfile.TemporaryDirectory() as tmp:
        _fit(SETTINGS["all"], args.data_root, tmp)  # warm-up: imports, page cache, oneDNN kernels
        for r in range(args.rounds):
            order = list(SETTINGS)[r % 3:] + list(SETTINGS)[: r % 3]
            for name in order:
                rows[name].append(_fit(SETTINGS[name], args.data_root, tmp))
                print(f"round {r + 1} {name:<5} wall {rows[name][-1][0]:.2f} s  loop {rows[name][-1][1]:.2f} s",
                      flush=True)
    best = {k: min(v) for k, v in rows.items()}
    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}")
    print(f"{'setting':<6} {'best wall s':>11} {'best loop s':>11} {'test acc':>9}  overhead vs none (wall)")
    for k, (wall, _loop, acc) in best.items():
        loop = min(r[1] for r in rows[k])
        print(f"{k:<6} {wall:>11.2f} {loop:>11.2f} {acc:>9.4f}  {wall / best['none'][0] - 1:+.1%}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"rounds": rows, "loadavg": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
