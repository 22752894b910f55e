"""airbench's published CIFAR-10 training (``airbench.train94``, package 0.1.8, MIT) run on this CPU.

Only what a CPU needs is changed, from outside the package: ``.cuda()`` leaves tensors and modules
where they are, CUDA timing events are wall clocks, and fp16 (``.half()``) becomes float32 with
bfloat16 autocast around the network's forward pass (``--fp32``: no autocast), the same arithmetic
goodfit's recipe uses (``train.amp=true``). The data are the shared CIFAR-10 JPEGs (the same arrays
goodfit trains on), written once in airbench's ``train.pt`` / ``test.pt`` layout. airbench trains on
all 50,000 training images and reports the test accuracy after each epoch and, at the end, with its
test-time augmentation (mirror + translate); its clock covers training only, not evaluation.

Usage::

    .venv/bin/python bench/airbench_cpu.py --epochs 9.9            # airbench94 as published
    .venv/bin/python bench/airbench_cpu.py --epochs 4 --out bench/out/airbench_4.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

import torch
from torch import nn

OUT = Path(__file__).resolve().parent / "out" / "airbench_cpu.json"


class _WallEvent:
    """``torch.cuda.Event(enable_timing=True)`` on the CPU: ``record`` notes the wall clock."""

    def __init__(self, enable_timing: bool = False) -> None:
        self.t = 0.0

    def record(self) -> None:
        self.t = time.perf_counter()

    def elapsed_time(self, end: _WallEvent) -> float:  # milliseconds, as CUDA's
        return (end.t - self.t) * 1e3


class _Autocast(nn.Sequential):
    """airbench's ``nn.Sequential`` network, its forward pass under bfloat16 autocast."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return super().forward(x).float()


def _cpu_only(autocast: bool) -> None:
    torch.Tensor.cuda = lambda self, *a, **k: self  # type: ignore[method-assign]
    nn.Module.cuda = lambda self, *a, **k: self  # type: ignore[method-assign]
    torch.Tensor.half = lambda self, *a, **k: self.float()  # type: ignore[method-assign]
    nn.Module.half = lambda self, *a, **k: self.float()  # type: ignore[method-assign]
    torch.cuda.Event = _WallEvent  # type: ignore[misc, assignment]
    torch.cuda.synchronize = lambda *a, **k: None  # type: ignore[assignment]
    from airbench.utils import CifarLoader

    defaults = list(CifarLoader.__init__.__defaults__)
    defaults[-1] = "cpu"  # gpu=0: the device its tensors are loaded onto
    CifarLoader.__init__.__defaults__ = tuple(defaults)
    if autocast:
        import airbench.lib_airbench94 as lib

        make = lib.make_net94

        def make_net94(*args, **kwargs):
            return _Autocast(*make(*args, **kwargs))

        lib.make_net94 = make_net94
        lib.train94.__defaults__ = tuple(make_net94 if d is make else d for d in lib.train94.__defaults__)


def _write_data(folder: Path) -> None:
    """goodfit's cifar10 arrays (the JPEG tree) in airbench's layout: uint8 NHWC images, labels, classes."""
    from goodfit.data import load_dataset

    ds = load_dataset("cifar10")
    for part, x, y in (("train", ds.x_train, ds.y_train), ("test", ds.x_test, ds.y_test)):
        torch.save({"images": torch.from_numpy(x.transpose(0, 2, 3, 1).copy()), "labels": torch.from_numpy(y),
                    "classes": list(ds.classes)}, folder / f"{part}.pt")


def main(epochs: float, autocast: bool, out: Path) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    _cpu_only(autocast)
    import airbench
    from airbench.utils import CifarLoader

    folder = Path(os.environ.get("GOODFIT_CACHE", "/tmp")) / "airbench-cifar10"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "test.pt").is_file():
        _write_data(folder)
    hyp = airbench.lib_airbench94.hyp
    cwd = os.getcwd()
    os.chdir(folder.parent)  # airbench reads 'cifar10/{train,test}.pt' relative to here
    try:
        (folder.parent / "cifar10").exists() or (folder.parent / "cifar10").symlink_to(folder)
        loader = CifarLoader("cifar10", train=True, batch_size=hyp["opt"]["batch_size"], aug=hyp["aug"],
                             altflip=True, gpu="cpu")
        t0 = time.perf_counter()
        with _Tee() as log:
            airbench.train94(loader, epochs=epochs, run=0, verbose=True)
        wall = time.perf_counter() - t0
    finally:
        os.chdir(cwd)
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in log.getvalue().splitlines()
            if line.startswith("|") and not line.startswith("|  run")]
    final = rows[-1]  # run, epoch ("eval"), train_loss, train_acc, val_acc, tta_val_acc, total_time_seconds
    tta_acc, train_s = float(final[5]), float(final[6])
    print(f"airbench94 on CPU ({'bf16 autocast' if autocast else 'fp32'}), {epochs} epochs: TTA test accuracy "
          f"{tta_acc:.4f}; its clock (training + final TTA) {train_s:.0f} s; wall with per-epoch tests {wall:.0f} s")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"epochs": epochs, "autocast": autocast, "tta_test_acc": tta_acc,
                               "airbench_time_s": train_s, "wall_s": wall, "rows": rows,
                               "threads": torch.get_num_threads()}, indent=1))


class _Tee(io.StringIO):
    """Capture stdout while still printing it."""

    def __enter__(self) -> _Tee:
        self._stdout, sys.stdout = sys.stdout, self
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout = self._stdout

    def write(self, text: str) -> int:
        self._stdout.write(text)
        self._stdout.flush()
        return super().write(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=9.9)
    parser.add_argument("--fp32", action="store_true", help="no bfloat16 autocast")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    main(args.epochs, not args.fp32, args.out)
