"""What goodfit's guardrails cost: the throughput benchmark's goodfit job with and without them.

The job is ``throughput.py``'s (full MNIST, MLP 784-64-64-64-10, Adam lr 3e-3, batch 256, 2 epochs by default,
CPU, no validation split, no checkpoints). Three settings, each a whole ``goodfit.fit`` call:

- ``none``: ``train.check=false train.monitors=false`` (no pitfall lint, no training monitors)
- ``lint``: the pitfall lint alone (before training: data, labels, scaling, model and loss probes)
- ``all``: the defaults (lint + monitors; the curve diagnosis runs in both ``lint`` and ``all``)

All settings run in one process, interleaved over ``--rounds`` rounds after a warm-up fit, so the
machine's state affects them alike; each setting's best round counts. The overhead is the ratio of
wall times minus one (target < 5 %). On this 2-core machine rounds of one setting spread by ±30 %,
more than the checks cost, so the script also times the checks themselves: the seconds spent inside
``goodfit.checks.lint_config`` and the training monitors' callbacks in each ``all`` round, as a share
of that round's wall time (``checks share``). ``--epochs 20`` gives ``goodfit train``'s default length.

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
       "train.checkpoint=false")
OUT = Path(__file__).resolve().parent / "out" / "checks_overhead.json"


class CheckTimer:
    """Seconds spent inside the lint and the monitors' callbacks (wrapped while the bench runs)."""

    def __init__(self) -> None:
        import goodfit.checks
        from goodfit.train.callbacks.monitors import Monitors

        self.seconds = 0.0
        goodfit.checks.lint_config = self._timed(goodfit.checks.lint_config)
        for name in ("on_fit_start", "on_batch_end", "on_epoch_end", "on_fit_end"):
            setattr(Monitors, name, self._timed(getattr(Monitors, name)))

    def _timed(self, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        return timed


def _fit(extra: tuple[str, ...], root: str, out: str, epochs: int,
         timer: CheckTimer) -> tuple[float, float, float, float]:
    """(wall s of the fit call, its training-loop s, test accuracy, s inside the checks)."""
    from goodfit import Config, apply_overrides, fit

    cfg = apply_overrides(Config(), [*JOB, f"train.epochs={epochs}", f"data.root={root}", f"out_dir={out}", *extra])
    timer.seconds = 0.0
    t0 = time.perf_counter()
    res = fit(cfg, progress="quiet", report=False)
    wall = time.perf_counter() - t0
    return wall, res.metrics["train_time_s"], res.metrics["test"]["accuracy"], timer.seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    repo = Path(__file__).resolve().parents[1]
    p.add_argument("--data-root", default=os.environ.get("GOODFIT_DATA") or str(repo / ".." / "shared" / "data"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    import torch

    timer = CheckTimer()
    rows: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in SETTINGS}
    with tempfile.TemporaryDirectory() as tmp:
        _fit(SETTINGS["all"], args.data_root, tmp, args.epochs, timer)  # warm-up: imports, page cache, kernels
        for r in range(args.rounds):
            order = list(SETTINGS)[r % 3:] + list(SETTINGS)[: r % 3]
            for name in order:
                rows[name].append(_fit(SETTINGS[name], args.data_root, tmp, args.epochs, timer))
                print(f"round {r + 1} {name:<5} wall {rows[name][-1][0]:.2f} s  loop {rows[name][-1][1]:.2f} s",
                      flush=True)
    best = {k: min(v) for k, v in rows.items()}
    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}")
    print(f"{'setting':<6} {'best wall s':>11} {'best loop s':>11} {'test acc':>9}  overhead vs none (wall)")
    for k, (wall, _loop, acc, _checks) in best.items():
        loop = min(r[1] for r in rows[k])
        print(f"{k:<6} {wall:>11.2f} {loop:>11.2f} {acc:>9.4f}  {wall / best['none'][0] - 1:+.1%}")
    shares = sorted(checks / wall for wall, _loop, _acc, checks in rows["all"])
    seconds = sorted(checks for *_, checks in rows["all"])
    print(f"checks share of the 'all' rounds' wall time: median {shares[len(shares) // 2]:.1%} "
          f"(range {shares[0]:.1%}..{shares[-1]:.1%}); median {seconds[len(seconds) // 2]:.3f} s inside the checks")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"epochs": args.epochs, "rounds": rows, "checks_share": shares,
                                    "loadavg": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
