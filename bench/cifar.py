"""CIFAR-10 time to accuracy: goodfit's ``cifar10`` recipe on the shared JPEG tree, test set touched once.

Trains ``goodfit train --recipe cifar10`` with the given overrides in a temporary folder (the decoded
images are cached as usual, so the first call also pays for decoding) and prints, per epoch, the
wall time since the start and the validation accuracy, then the test accuracy and the whole run's
wall time. Results go to ``bench/out/cifar.json`` (or ``--out``).

Usage::

    .venv/bin/python bench/cifar.py                                   # the recipe as shipped
    .venv/bin/python bench/cifar.py train.epochs=4 optim.lr=1.0       # a variant
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _machine import Meter, cpu_model

OUT = Path(__file__).resolve().parent / "out" / "cifar.json"


def main(overrides: list[str], out: Path) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    import torch

    from goodfit.config import build_config
    from goodfit.experiment import fit
    from goodfit.train.callbacks import Callback

    t0 = time.perf_counter()

    class Clock(Callback):
        def on_epoch_end(self, state) -> None:
            row = state.history[-1]
            print(f"epoch {row['epoch']:>2}  {time.perf_counter() - t0:7.1f} s  train_loss {row['train_loss']:.4f}  "
                  f"valid_acc {row.get('valid_acc', float('nan')):.4f}", flush=True)
            row["bench_wall_s"] = time.perf_counter() - t0

    meter = Meter()
    meter.start()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(None, [f"out_dir={tmp}", *overrides], recipe="cifar10")
        result = fit(cfg, progress="quiet", report=False, callbacks=[Clock()])
    load = meter.stop()
    wall = time.perf_counter() - t0
    m = result.metrics
    print(f"test accuracy {m['test']['accuracy']:.4f} after {m['epochs_run']} epochs; whole run {wall:.0f} s "
          f"(training {m['train_time_s']:.0f} s); torch threads {torch.get_num_threads()}")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "overrides": overrides, "wall_s": wall, "train_time_s": m["train_time_s"], "test": m["test"]["accuracy"],
        "history": [{k: r[k] for k in ("epoch", "bench_wall_s", "train_loss", "valid_acc") if k in r}
                    for r in result.history],
        "machine": {"cpu": cpu_model(), "threads": torch.get_num_threads(), **load},
    }, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="config overrides on top of the recipe")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    main(args.overrides, args.out)
