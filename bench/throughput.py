"""Training throughput: goodfit's default trainer against three other ways to train the same model.

The job: full MNIST (60,000 train / 10,000 test), MLP 784-64-64-64-10 with ReLU, Adam lr 3e-3,
batch 256, 2 epochs, CPU, inputs standardized. Four trainers:

- ``goodfit``: ``goodfit.fit(cfg)`` with the default trainer (in-memory batches, fused Adam, the
  pitfall lint and training monitors as they are on by default).
- ``course``: torchvision ``MNIST`` + ``ToTensor``/``Normalize`` per sample + ``DataLoader``.
- ``lightning``: a ``LightningModule`` fed by a ``DataLoader`` over a ``TensorDataset``.
- ``hand``: a careful hand-written loop (in-memory tensors, ``randperm`` index gather, torch Adam).

And the Keras row, one Keras 3 model (``goodfit[keras]``, torch backend) trained two ways:

- ``keras-fit``: the course's Keras MLP (``goodfit.models.keras.keras_mlp``, 784-64-64-64-10) with
  ``compile(Adam, SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])`` and
  ``model.fit`` on NumPy arrays, as the course writes it;
- ``keras-goodfit``: the same Keras model in goodfit's loop (``goodfit.fit`` with
  ``model.name=keras-mlp``, the lint and monitors on, as by default).

Each trainer runs in its own subprocess (``--worker NAME``), so peak RSS is per trainer and no
trainer warms caches for another; rounds rotate the order, and the best round counts. Samples/s
are over the training loop only; ``wall_s`` is the whole job after imports (data loading,
training, test evaluation). On a shared machine a worker whose threads waited for a CPU more than
``--contended`` of its loop is rerun; ``--nice -15`` (as root) ranks the workers ahead of other
jobs (see ``_machine.py``). Results go to ``bench/out/throughput.json``.

Usage::

    .venv/bin/python bench/throughput.py                     # 3 rounds, all four trainers
    .venv/bin/python bench/throughput.py --rounds 1 --only goodfit,hand --epochs 1
    .venv/bin/python bench/throughput.py --only keras-goodfit,keras-fit   # the Keras row: goodfit/Keras fit
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

from _machine import Meter, cpu_model, prioritizer, wait_idle

TRAINERS = ("goodfit", "hand", "lightning", "course", "keras-goodfit", "keras-fit")
HIDDEN = (64, 64, 64)
LR, BATCH, SEED = 3e-3, 256, 0
MEAN, STD = 0.1307, 0.3081  # MNIST training-set statistics (what the course's Normalize uses)
OUT = Path(__file__).resolve().parent / "out" / "throughput.json"


def _default_root() -> str:
    repo = Path(__file__).resolve().parents[1]
    return os.environ.get("GOODFIT_DATA") or str(repo / ".." / "shared" / "data")


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


def _run_goodfit(root: str, epochs: int, model: str = "mlp") -> dict:
    import goodfit
    from goodfit.train.callbacks import Callback

    class LoopMeter(Callback, Meter):  # on_fit_start/on_fit_end bracket train_loop
        def on_fit_start(self, state) -> None:
            self.start()

        def on_fit_end(self, state) -> None:
            self.loop = self.stop()

    meter = LoopMeter()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = goodfit.apply_overrides(goodfit.Config(), [
            "data.name=mnist", f"data.root={root}", "data.valid_fraction=0", f"train.epochs={epochs}",
            f"train.batch_size={BATCH}", f"optim.lr={LR}", "train.checkpoint=false", f"out_dir={tmp}",
            f"model.name={model}",
        ])
        fit = goodfit.fit  # the lazy import happens here, not inside the timed call
        t0 = time.perf_counter()
        result = fit(cfg, progress="quiet", report=False, callbacks=[meter])
        wall = time.perf_counter() - t0
    m = result.metrics
    # samples/s use goodfit's own loop time; the meter adds CPU time and the contention check
    return {**meter.loop, "train_s": m["train_time_s"], "wall_s": wall, "n_train": m["n_train"],
            "test_acc": m["test"]["accuracy"], "goodfit_file": goodfit.__file__}


def _run_hand(root: str, epochs: int) -> dict:
    import torch
    import torch.nn.functional as F

    t_start = time.perf_counter()
    x, y = _scaled_tensors(root, "train")
    model = _mlp()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    n = len(y)
    meter = Meter()
    meter.start()
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
    loop = meter.stop()
    acc = _accuracy(model, *_scaled_tensors(root, "test"))
    return {**loop, "wall_s": time.perf_counter() - t_start, "n_train": n, "test_acc": acc}


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
    meter = Meter()
    meter.start()
    for _ in range(epochs):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    loop = meter.stop()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in DataLoader(test_set, batch_size=1000):
            correct += int((model(xb).argmax(1) == yb).sum())
    return {**loop, "wall_s": time.perf_counter() - t_start, "n_train": len(train_set),
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

    class LoopMeter(L.Callback, Meter):  # the loop alone, without Trainer.fit's setup and teardown
        def on_train_start(self, trainer, module):
            self.start()

        def on_train_end(self, trainer, module):
            self.loop = self.stop()

    t_start = time.perf_counter()
    x, y = _scaled_tensors(root, "train")
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    module, meter = Module(), LoopMeter()
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False,
                        enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False, callbacks=[meter])
    t0 = time.perf_counter()
    trainer.fit(module, loader)
    fit_s = time.perf_counter() - t0
    acc = _accuracy(module.net, *_scaled_tensors(root, "test"))
    return {**meter.loop, "fit_call_s": fit_s, "wall_s": time.perf_counter() - t_start, "n_train": len(y),
            "test_acc": acc}


def _run_keras_goodfit(root: str, epochs: int) -> dict:
    return _run_goodfit(root, epochs, model="keras-mlp")


def _run_keras_fit(root: str, epochs: int) -> dict:
    import keras

    from goodfit.models.keras import KerasModule, keras_mlp

    class LoopMeter(keras.callbacks.Callback, Meter):  # fit's loop alone, as goodfit's is timed
        def on_train_begin(self, logs=None) -> None:
            self.start()

        def on_train_end(self, logs=None) -> None:
            self.loop = self.stop()

    t_start = time.perf_counter()
    x, y = _scaled_tensors(root, "train")
    model = keras_mlp((1, 28, 28), 10)  # the model goodfit's keras-mlp builds: Input, Flatten, 64-64-64, logits
    model.compile(optimizer=keras.optimizers.Adam(LR),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    meter = LoopMeter()
    model.fit(x.view(-1, 1, 28, 28).numpy(), y.numpy(), batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0,
              callbacks=[meter])
    x_test, y_test = _scaled_tensors(root, "test")
    acc = _accuracy(KerasModule(model), x_test.view(-1, 1, 28, 28), y_test)
    return {**meter.loop, "wall_s": time.perf_counter() - t_start, "n_train": len(y), "test_acc": acc}


RUNNERS = {"goodfit": _run_goodfit, "hand": _run_hand, "lightning": _run_lightning, "course": _run_course,
           "keras-goodfit": _run_keras_goodfit, "keras-fit": _run_keras_fit}


def _worker(name: str, args: argparse.Namespace) -> None:
    import resource

    t0 = time.perf_counter()
    import torch

    _setup(args.threads)
    if name == "lightning":
        import lightning  # noqa: F401  (import time is reported apart from the job)
    if name.startswith("keras"):
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras  # noqa: F401
        keras.utils.set_random_seed(SEED)
    import_s = time.perf_counter() - t0
    out = RUNNERS[name](args.data_root, args.epochs)
    out.update(
        trainer=name, import_s=import_s, threads=torch.get_num_threads(),
        samples_per_s=args.epochs * out["n_train"] / out["train_s"],
        samples_per_cpu_s=args.epochs * out["n_train"] / out["train_cpu_s"],
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    )
    print("RESULT " + json.dumps(out), flush=True)


# --------------------------------------------------------------------------- the driver


def _spawn(name: str, args: argparse.Namespace) -> dict:
    load_before = wait_idle(args.max_wait)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--epochs", str(args.epochs),
           "--threads", str(args.threads), "--data-root", args.data_root]
    env = dict(os.environ)
    if args.goodfit_src:  # benchmark that source tree (e.g. a `git archive` of a commit) instead
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.goodfit_src, env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=prioritizer(args.nice))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        sys.exit(f"worker {name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return {**json.loads(lines[-1][len("RESULT "):]), "machine_load_before": load_before}


def _run_quiet(name: str, args: argparse.Namespace, discarded: list[dict]) -> dict:
    """Run a worker; rerun it (up to ``--retries`` times) when its loop's threads waited for a CPU
    more than ``--contended`` of the loop's time."""
    for attempt in range(args.retries + 1):
        res = _spawn(name, args)
        if res["run_delay_frac"] <= args.contended or attempt == args.retries:
            return res
        discarded.append(res)
        print(f"  {name}: threads waited for a CPU {100 * res['run_delay_frac']:.0f} % of the loop "
              f"({res['samples_per_s']:,.0f} samples/s); running it again", flush=True)
    raise AssertionError("unreachable")


def _best(runs: list[dict]) -> dict:
    """The fastest round, with the smallest wall time and the largest peak RSS of all rounds."""
    best = dict(max(runs, key=lambda r: r["samples_per_s"]))
    best["wall_s"] = min(r["wall_s"] for r in runs)
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    best["samples_per_cpu_s"] = max(r["samples_per_cpu_s"] for r in runs)
    best["samples_per_s_all"] = [round(r["samples_per_s"]) for r in runs]
    return best


def _table(best: dict[str, dict]) -> str:
    rows = ["| trainer | samples/s (train) | samples/CPU-s | train s | wall s | test acc | peak RSS MB "
            "| run delay | all rounds (samples/s) |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in best.items():
        rounds = ", ".join(f"{s:,}" for s in r["samples_per_s_all"])
        rows.append(f"| {name} | {r['samples_per_s']:,.0f} | {r['samples_per_cpu_s']:,.0f} "
                    f"| {r['train_s']:.2f} | {r['wall_s']:.2f} | {100 * r['test_acc']:.2f} % "
                    f"| {r['peak_rss_mb']:.0f} | {100 * r['run_delay_frac']:.1f} % | {rounds} |")
    return "\n".join(rows)


def _ratios(best: dict[str, dict]) -> dict[str, float]:
    """goodfit's samples/s over each other PyTorch trainer's, and goodfit's loop over Keras' fit on the Keras model."""
    out = {}
    pairs = [("goodfit", n) for n in best if n in TRAINERS[1:4]] + [("keras-goodfit", "keras-fit")]
    for ours, other in pairs:
        if ours in best and other in best:
            out[f"{ours}/{other}"] = best[ours]["samples_per_s"] / best[other]["samples_per_s"]
            out[f"{ours}/{other} (CPU time)"] = best[ours]["samples_per_cpu_s"] / best[other]["samples_per_cpu_s"]
    return out


def _meta(args: argparse.Namespace) -> dict:
    import torch

    return {"date": time.strftime("%Y-%m-%d %H:%M:%S%z"), "cpu": cpu_model(), "cores": os.cpu_count(),
            "torch": torch.__version__, "python": platform.python_version(),
            "command": " ".join([Path(sys.executable).name, *sys.argv]), "rounds": args.rounds,
            "epochs": args.epochs, "batch_size": BATCH, "lr": LR, "nice": args.nice,
            "goodfit_src": args.goodfit_src or "installed", "contended_above_run_delay": args.contended}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--only", default=",".join(TRAINERS),
                   help=f"comma-separated subset of {','.join(TRAINERS)}")
    p.add_argument("--data-root", default=_default_root())
    p.add_argument("--threads", type=int, default=0,
                   help="torch.set_num_threads in every worker; 0: torch's default")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--goodfit-src", default=None,
                   help="folder holding the goodfit package to benchmark (default: the installed one)")
    p.add_argument("--nice", type=int, default=0,
                   help="workers' priority; negative (as root) ranks them ahead of other jobs")
    p.add_argument("--max-wait", type=float, default=60.0,
                   help="seconds to wait, before each worker, for the machine to be idle")
    p.add_argument("--contended", type=float, default=0.05,
                   help="rerun a worker whose threads waited for a CPU more than this fraction of the loop")
    p.add_argument("--retries", type=int, default=3, help="reruns allowed per contended run")
    p.add_argument("--worker", choices=TRAINERS, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> None:
    p = _parser()
    args = p.parse_args(argv)
    args.data_root = str(Path(args.data_root).resolve())
    if args.worker:
        return _worker(args.worker, args)
    names = [n for n in args.only.split(",") if n]
    unknown = sorted(set(names) - set(TRAINERS))
    if unknown:
        p.error(f"unknown trainer(s) {', '.join(unknown)}; choose from {', '.join(TRAINERS)}")
    runs: dict[str, list[dict]] = {n: [] for n in names}
    discarded: list[dict] = []
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate: no trainer always first
            res = _run_quiet(name, args, discarded)
            runs[name].append(res)
            print(f"round {r + 1}/{args.rounds} {name:9s} {res['samples_per_s']:9,.0f} samples/s train "
                  f"{res['train_s']:6.2f}s wall {res['wall_s']:6.2f}s acc {100 * res['test_acc']:.2f} % "
                  f"(run delay {100 * res['run_delay_frac']:.1f} %)", flush=True)
    best = {n: _best(runs[n]) for n in names}
    ratios = _ratios(best)
    print("\n" + _table(best) + "\n")
    for k, v in ratios.items():
        print(f"{k}: {v:.2f}x")
    payload = {"meta": _meta(args), "best": best, "ratios": ratios, "runs": runs, "discarded": discarded}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2))
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
