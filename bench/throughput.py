"""Training throughput: goodfit's default trainer against three other ways to train the same model.

The job: full MNIST (60,000 train / 10,000 test), MLP 784-64-64-64-10 with ReLU, Adam lr 3e-3,
batch 256, 2 epochs, CPU, inputs standardized. Four trainers:

- ``goodfit``: ``goodfit.fit(cfg)`` with the default trainer (in-memory batches, fused Adam).
- ``course``: torchvision ``MNIST`` + ``ToTensor``/``Normalize`` per sample + ``DataLoader``.
- ``lightning``: a ``LightningModule`` fed by a ``DataLoader`` over a ``TensorDataset``.
- ``hand``: a careful hand-written loop (in-memory tensors, ``randperm`` index gather, torch Adam).

Each trainer runs in its own subprocess (``--worker NAME``), so peak RSS is per trainer and no
trainer warms caches for another; rounds alternate the order, and the best round counts.
Samples/s are over the training loop only; ``wall_s`` is the whole job after imports (data
loading, training, test evaluation). Results go to ``bench/out/throughput.json``.

Usage::

    .venv/bin/python bench/throughput.py                     # 3 rounds, all four trainers
    .venv/bin/python bench/throughput.py --rounds 1 --only goodfit,hand --epochs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAINERS = ("goodfit", "hand", "lightning", "course")
HIDDEN = (64, 64, 64)
LR, BATCH, SEED = 3e-3, 256, 0
MEAN, STD = 0.1307, 0.3081  # MNIST training-set statistics (what the course's Normalize uses)
OUT = Path(__file__).resolve().parent / "out" / "throughput.json"


def _default_root() -> str:
    return os.environ.get("GOODFIT_DATA") or str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data")


# --------------------------------------------------------------------------- shared pieces (workers)


def _setup(threads: int) -> None:
    import random

    import numpy as np
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)


def _mlp():
    from torch import nn

    layers: list[nn.Module] = [nn.Flatten()]
    width = 784
    for h in HIDDEN:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def _read_idx(path: Path):
    import gzip

    import numpy as np

    with gzip.open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4).astype(int)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(tuple(dims))


def _scaled_tensors(root: str, split: str):
    """``(x, y)``: x (N, 784) float32 standardized like ``Normalize((0.1307,), (0.3081,))``."""
    import torch

    raw = Path(root) / "mnist" / "MNIST" / "raw"
    prefix = "train" if split == "train" else "t10k"
    x = torch.from_numpy(_read_idx(raw / f"{prefix}-images-idx3-ubyte.gz").copy())
    y = torch.from_numpy(_read_idx(raw / f"{prefix}-labels-idx1-ubyte.gz").astype("int64"))
    return ((x.view(len(x), -1).float() / 255 - MEAN) / STD).contiguous(), y


def _accuracy(model, x, y) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i : i + 2048]).argmax(1) for i in range(0, len(x), 2048)])
    return float((pred == y).float().mean())


# --------------------------------------------------------------------------- the four trainers


def _run_goodfit(root: str, epochs: int) -> dict:
    import goodfit

    with tempfile.TemporaryDirectory() as tmp:
        cfg = goodfit.apply_overrides(goodfit.Config(), [
            "data.name=mnist", f"data.root={root}", "data.valid_fraction=0", f"train.epochs={epochs}",
            f"train.batch_size={BATCH}", f"optim.lr={LR}", "train.checkpoint=false", f"out_dir={tmp}",
        ])
        t0 = time.perf_counter()
        result = goodfit.fit(cfg, progress="quiet", report=False)
        wall = time.perf_counter() - t0
    m = result.metrics
    return {"train_s": m["train_time_s"], "wall_s": wall, "n_train": m["n_train"],
            "test_acc": m["test"]["accuracy"]}


def _run_hand(root: str, epochs: int) -> dict:
    import torch
    import torch.nn.functional as F

    t_start = time.perf_counter()
    x, y = _scaled_tensors(root, "train")
    model = _mlp()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    n = len(y)
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            xb, yb = x[idx], y[idx]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    train_s = time.perf_counter() - t0
    acc = _accuracy(model, *_scaled_tensors(root, "test"))
    return {"train_s": train_s, "wall_s": time.perf_counter() - t_start, "n_train": n, "test_acc": acc}


def _torchvision_root(root: str, tmp: str) -> str:
    """torchvision 0.29 reads only the *uncompressed* raw files and tries to extract the ``.gz`` next
    to them; the shared data folder is read-only, so decompress into a temporary copy of the layout."""
    import gzip
    import shutil

    src = Path(root) / "mnist" / "MNIST" / "raw"
    dst = Path(tmp) / "MNIST" / "raw"
    dst.mkdir(parents=True)
    for gz in src.glob("*-ubyte.gz"):
        with gzip.open(gz, "rb") as fin, open(dst / gz.stem, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return tmp


def _run_course(root: str, epochs: int) -> dict:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tv_root = _torchvision_root(root, tmp)
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
        train_set = datasets.MNIST(tv_root, train=True, download=False, transform=tf)
        test_set = datasets.MNIST(tv_root, train=False, download=False, transform=tf)
    train_loader = DataLoader(train_set, batch_size=BATCH, shuffle=True)
    model = _mlp()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    train_s = time.perf_counter() - t0
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in DataLoader(test_set, batch_size=1000):
            correct += int((model(xb).argmax(1) == yb).sum())
    return {"train_s": train_s, "wall_s": time.perf_counter() - t_start, "n_train": len(train_set),
            "test_acc": correct / len(test_set)}


def _run_lightning(root: str, epochs: int) -> dict:
    import logging
    import warnings

    import lightning as L
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    warnings.filterwarnings("ignore")  # "consider num_workers", "GPU available but not used", ...
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp()

        def training_step(self, batch, batch_idx):
            xb, yb = batch
            return F.cross_entropy(self.net(xb), yb)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=LR)

    class LoopTimer(L.Callback):  # the loop alone, without Trainer.fit's setup and teardown
        def on_train_start(self, trainer, module):
            self.t0 = time.perf_counter()

        def on_train_end(self, trainer, module):
            self.seconds = time.perf_counter() - self.t0

    t_start = time.perf_counter()
    x, y = _scaled_tensors(root, "train")
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    module, timer = Module(), LoopTimer()
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False,
                        enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False, callbacks=[timer])
    t0 = time.perf_counter()
    trainer.fit(module, loader)
    fit_s = time.perf_counter() - t0
    acc = _accuracy(module.net, *_scaled_tensors(root, "test"))
    return {"train_s": timer.seconds, "fit_call_s": fit_s, "wall_s": time.perf_counter() - t_start,
            "n_train": len(y), "test_acc": acc}


RUNNERS = {"goodfit": _run_goodfit, "hand": _run_hand, "lightning": _run_lightning, "course": _run_course}


def _worker(name: str, args: argparse.Namespace) -> None:
    import resource

    t0 = time.perf_counter()
    import torch  # noqa: F401  (import time is reported apart from the job)

    _setup(args.threads)
    if name == "lightning":
        import lightning  # noqa: F401
    import_s = time.perf_counter() - t0
    out = RUNNERS[name](args.data_root, args.epochs)
    out.update(
        trainer=name, import_s=import_s, threads=torch.get_num_threads(),
        samples_per_s=args.epochs * out["n_train"] / out["train_s"],
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    )
    print("RESULT " + json.dumps(out), flush=True)


# --------------------------------------------------------------------------- the driver


def _busy_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy since boot (``/proc/stat``), 0 where unknown."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _wait_idle(max_wait_s: float, *, busy_cores: float = 0.3, sample_s: float = 1.0) -> float:
    """Wait (up to ``max_wait_s``) until other processes use under ``busy_cores`` cores; the last load seen."""
    deadline = time.monotonic() + max_wait_s
    while True:
        b0 = _busy_cpu_s()
        time.sleep(sample_s)
        load = (_busy_cpu_s() - b0) / sample_s
        if load < busy_cores or time.monotonic() >= deadline:
            return load


def _spawn(name: str, args: argparse.Namespace) -> dict:
    import resource

    load_before = _wait_idle(args.max_wait)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--epochs", str(args.epochs),
           "--threads", str(args.threads), "--data-root", args.data_root]
    ru0, b0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), _busy_cpu_s(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    ru1, b1, wall = resource.getrusage(resource.RUSAGE_CHILDREN), _busy_cpu_s(), time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        sys.exit(f"worker {name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    res = json.loads(lines[-1][len("RESULT "):])
    own = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    # cores that *other* processes kept busy while the worker ran: > ~0.2 means a contended round
    res["others_cores"] = max(0.0, (b1 - b0 - own) / wall)
    res["others_cores_before"] = load_before
    return res


def _best(runs: list[dict]) -> dict:
    best = dict(max(runs, key=lambda r: r["samples_per_s"]))
    best["wall_s"] = min(r["wall_s"] for r in runs)
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)  # conservative: the largest seen
    best["samples_per_s_all"] = [round(r["samples_per_s"]) for r in runs]
    return best


def _table(best: dict[str, dict]) -> str:
    rows = ["| trainer | samples/s (train) | train s | wall s | test acc | peak RSS MB | all rounds (samples/s) |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for name, r in best.items():
        rows.append(f"| {name} | {r['samples_per_s']:,.0f} | {r['train_s']:.2f} | {r['wall_s']:.2f} | "
                    f"{100 * r['test_acc']:.2f} % | {r['peak_rss_mb']:.0f} | "
                    f"{', '.join(f'{s:,}' for s in r['samples_per_s_all'])} |")
    return "\n".join(rows)


def _ratios(best: dict[str, dict]) -> dict[str, float]:
    if "goodfit" not in best:
        return {}
    g = best["goodfit"]["samples_per_s"]
    return {f"goodfit/{n}": g / r["samples_per_s"] for n, r in best.items() if n != "goodfit"}


def _meta(args: argparse.Namespace) -> dict:
    import torch

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S%z"), "cpu": cpu, "cores": os.cpu_count(),
            "torch": torch.__version__, "python": platform.python_version(),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "rounds": args.rounds, "epochs": args.epochs, "batch_size": BATCH, "lr": LR}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--only", default=",".join(TRAINERS), help=f"comma-separated subset of {','.join(TRAINERS)}")
    p.add_argument("--data-root", default=_default_root())
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads in every worker; 0: torch's default")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--max-wait", type=float, default=120.0,
                   help="seconds to wait, before each worker, for other processes to leave the CPUs idle")
    p.add_argument("--worker", choices=TRAINERS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.data_root = str(Path(args.data_root).resolve())
    if args.worker:
        return _worker(args.worker, args)
    names = [n for n in args.only.split(",") if n]
    unknown = sorted(set(names) - set(TRAINERS))
    if unknown:
        p.error(f"unknown trainer(s) {', '.join(unknown)}; choose from {', '.join(TRAINERS)}")
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]  # rotate, so no trainer always goes first
        for name in order:
            res = _spawn(name, args)
            runs[name].append(res)
            print(f"round {r + 1}/{args.rounds} {name:9s} {res['samples_per_s']:9,.0f} samples/s "
                  f"train {res['train_s']:6.2f}s wall {res['wall_s']:6.2f}s acc {100 * res['test_acc']:.2f} % "
                  f"(other processes: {res['others_cores']:.2f} cores)",
                  flush=True)
    best = {n: _best(runs[n]) for n in names}
    ratios = _ratios(best)
    print("\n" + _table(best) + "\n")
    for k, v in ratios.items():
        print(f"{k}: {v:.2f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": _meta(args), "best": best, "ratios": ratios, "runs": runs}
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2))
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
