"""Where a training step's time goes: goodfit's loop body, piece by piece, against a hand loop.

Each variant runs the MNIST MLP (784-64-64-64-10, batch 256, Adam lr 3e-3) on real, standardized
MNIST for ``--steps`` steps after a warm-up; variants are interleaved over ``--repeats`` rounds and
the *minimum* per-step time counts (other processes only ever add time). The ``goodfit`` variant
copies the body of ``goodfit.train.loop.train_loop`` as it was at commit dbb203d (autocast context,
GradScaler(enabled=False), torch's fused Adam, contiguous slices of an epoch-sized gather, per-step
loss/accuracy accumulation), the code the first findings in ``bench/RESULTS.md`` are about; each
``-x`` variant removes or swaps one piece. Also timed: an epoch-sized gather, evaluation under
``no_grad`` vs ``inference_mode``, and the loop at 1 and 2 threads. ``--loops`` times whole epochs
of today's real ``train_loop`` (per-batch gather, torch's fused Adam) with alternatives swapped in (the
old epoch buffer, for-loop Adam, the training monitors) against the hand loop.

Usage::

    .venv/bin/python bench/step_profile.py                 # ~2 minutes on 2 cores
    .venv/bin/python bench/step_profile.py --loops --compile --nice -15   # what RESULTS.md reports
    .venv/bin/python bench/step_profile.py --torch-profile # prints torch.profiler's top ops per variant
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from _machine import prioritizer
from throughput import BATCH, LR, _default_root, _mlp, _scaled_tensors
from torch import nn

OUT = Path(__file__).resolve().parent / "out" / "step_profile.json"


@dataclass(frozen=True)
class Variant:
    name: str
    optim: str = "fused"  # fused (goodfit's default) | foreach | forloop (torch's CPU default)
    batches: str = "slice"  # slice: views of a pre-permuted copy | gather: x[perm[i:i+B]]
    accumulate: bool = True  # loss_sum += loss.detach() * B; correct += (argmax == y).sum()
    scaler: bool = True  # GradScaler(enabled=False).scale/step/update instead of backward/step
    autocast: bool = True  # torch.autocast(..., enabled=False) around the forward
    loss_module: bool = True  # nn.CrossEntropyLoss() instead of F.cross_entropy
    compile: bool = False


GOODFIT = Variant("goodfit (as is)")
VARIANTS = [
    GOODFIT,
    replace(GOODFIT, name="goodfit - accumulation", accumulate=False),
    replace(GOODFIT, name="goodfit - GradScaler", scaler=False),
    replace(GOODFIT, name="goodfit - autocast ctx", autocast=False),
    replace(GOODFIT, name="goodfit bare (- all three)", accumulate=False, scaler=False, autocast=False),
    replace(GOODFIT, name="goodfit, foreach Adam", optim="foreach"),
    replace(GOODFIT, name="goodfit, for-loop Adam", optim="forloop"),
    replace(GOODFIT, name="goodfit, gather batches", batches="gather"),
    Variant("hand (gather, for-loop Adam)", optim="forloop", batches="gather", accumulate=False,
            scaler=False, autocast=False, loss_module=False),
    Variant("hand + fused Adam", optim="fused", batches="gather", accumulate=False, scaler=False,
            autocast=False, loss_module=False),
]
COMPILED = [replace(GOODFIT, name="goodfit + torch.compile", compile=True),
            replace(GOODFIT, name="goodfit bare + torch.compile", accumulate=False, scaler=False,
                    autocast=False, compile=True)]


def _optimizer(params, kind: str) -> torch.optim.Optimizer:
    kw = {"fused": {"fused": True}, "foreach": {"foreach": True}, "forloop": {"foreach": False}}[kind]
    return torch.optim.Adam(params, lr=LR, **kw)


class _Runner:
    """One variant's model, optimizer and batch source; ``steps(n)`` runs n steps, returns seconds."""

    def __init__(self, v: Variant, x: torch.Tensor, y: torch.Tensor) -> None:
        torch.manual_seed(0)
        self.v, self.x, self.y = v, x, y
        self.model = _mlp()
        self.opt = _optimizer(self.model.parameters(), v.optim)
        self.net = torch.compile(self.model) if v.compile else self.model
        self.loss_fn = nn.CrossEntropyLoss() if v.loss_module else F.cross_entropy
        self.scaler = torch.amp.GradScaler("cpu", enabled=False)
        self.perm = torch.randperm(len(y))
        self.xs, self.ys = x[self.perm], y[self.perm]
        self.pos = 0
        self.loss_sum = torch.zeros(())
        self.correct = torch.zeros((), dtype=torch.long)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        i = self.pos
        self.pos = (self.pos + BATCH) % (len(self.y) - BATCH)
        if self.v.batches == "slice":
            return self.xs[i : i + BATCH], self.ys[i : i + BATCH]
        idx = self.perm[i : i + BATCH]
        return self.x[idx], self.y[idx]

    def steps(self, n: int) -> float:
        v, model, opt = self.v, self.net, self.opt
        t0 = time.perf_counter()
        for _ in range(n):
            xb, yb = self._batch()
            if v.autocast:
                with torch.autocast("cpu", dtype=torch.float32, enabled=False):
                    logits = model(xb)  # (B, 10)
                    loss = self.loss_fn(logits, yb)
            else:
                logits = model(xb)
                loss = self.loss_fn(logits, yb)
            opt.zero_grad(set_to_none=True)
            if v.scaler:
                self.scaler.scale(loss).backward()
                self.scaler.step(opt)
                self.scaler.update()
            else:
                loss.backward()
                opt.step()
            if v.accumulate:
                self.loss_sum += loss.detach() * len(yb)
                self.correct += (logits.detach().argmax(1) == yb).sum()
        return time.perf_counter() - t0


def _profile_steps(variants: list[Variant], x, y, *, steps: int, repeats: int) -> dict[str, dict]:
    runners = [_Runner(v, x, y) for v in variants]
    for r in runners:
        r.steps(20)  # warm-up (and, for compiled variants, the compilation)
    times: dict[str, list[float]] = {v.name: [] for v in variants}
    for rep in range(repeats):
        order = runners[rep % len(runners):] + runners[: rep % len(runners)]
        for r in order:
            times[r.v.name].append(r.steps(steps) / steps * 1e3)
    return {k: {"min_ms": min(t), "median_ms": statistics.median(t)} for k, t in times.items()}


def _time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def _extras(x, y, repeats: int) -> dict[str, float]:
    """Per-epoch and per-evaluation costs outside the step."""
    model = _mlp()
    buf = torch.zeros_like(x)  # touched once here, as a buffer kept across epochs would be

    def eval_with(ctx):
        model.eval()
        with ctx():
            for i in range(0, 10_000, 2048):
                model(x[i : i + 2048]).argmax(1)

    return {
        "epoch gather x[perm] (60k x 784), ms": _time(lambda: x[torch.randperm(len(y))], repeats),
        "eval 10k no_grad, ms": _time(lambda: eval_with(torch.no_grad), repeats),
        "eval 10k inference_mode, ms": _time(lambda: eval_with(torch.inference_mode), repeats),
        "epoch gather into a reused buffer (index_select out=), ms": _time(
            lambda: torch.index_select(x, 0, torch.randperm(len(y)), out=buf), repeats),
    }


def _monitors(x, y) -> list:
    """goodfit's training monitors (``train.monitors=true``) on a 256-sample probe, where they exist."""
    try:
        from goodfit.train.callbacks.monitors import Monitors
    except ImportError:
        return []
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))[:256]
    return [Monitors(x[idx], y[idx])]


def _loop_variants(x, y, *, epochs: int, repeats: int) -> dict[str, float]:
    """Whole epochs through goodfit's real ``train_loop``, with the batching and optimizer
    alternatives swapped in, against the hand loop; seconds for ``epochs`` epochs, best of ``repeats``."""
    from goodfit.train.batching import MemoryBatches
    from goodfit.train.callbacks.base import TrainState
    from goodfit.train.loop import train_loop

    class BufferedBatches(MemoryBatches):
        """Each epoch's shuffled copy gathered into buffers allocated once (goodfit's batching before cd86513)."""

        def __iter__(self):
            if not hasattr(self, "_xbuf"):
                self._xbuf, self._ybuf = torch.empty_like(self.x), torch.empty_like(self.y)
            perm = torch.randperm(len(self.y), generator=self.generator)
            torch.index_select(self.x, 0, perm, out=self._xbuf)
            torch.index_select(self.y, 0, perm, out=self._ybuf)
            bs = self.batch_size
            for i in range(len(self)):
                yield self._xbuf[i * bs : (i + 1) * bs], self._ybuf[i * bs : (i + 1) * bs]

    def goodfit_loop(batches_cls, optim: str, monitors: bool = False) -> float:
        torch.manual_seed(0)
        model = _mlp()
        opt = _optimizer(model.parameters(), optim)
        batches = batches_cls(x, y, batch_size=BATCH, seed=0)
        state = TrainState(model, opt, None, epochs=epochs, steps_per_epoch=len(batches))
        callbacks = _monitors(x, y) if monitors else []
        t0 = time.perf_counter()
        train_loop(state, batches, valid=None, device=torch.device("cpu"), callbacks=callbacks)
        return time.perf_counter() - t0

    def hand_loop() -> float:
        torch.manual_seed(0)
        model = _mlp()
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        t0 = time.perf_counter()
        for _ in range(epochs):
            perm = torch.randperm(len(y))
            for i in range(0, len(y), BATCH):
                idx = perm[i : i + BATCH]
                loss = F.cross_entropy(model(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        return time.perf_counter() - t0

    runs = {
        "train_loop, MemoryBatches, torch's fused Adam (goodfit today)": lambda: goodfit_loop(MemoryBatches, "fused"),
        "train_loop, epoch-buffered batches, fused Adam": lambda: goodfit_loop(BufferedBatches, "fused"),
        "train_loop, MemoryBatches, for-loop Adam": lambda: goodfit_loop(MemoryBatches, "forloop"),
        "train_loop, MemoryBatches, fused Adam, Monitors": lambda: goodfit_loop(MemoryBatches, "fused", True),
        "hand loop (gather, for-loop Adam)": hand_loop,
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for k, fn in runs.items():
            times[k].append(fn())
    return {k: min(t) for k, t in times.items()}


def _overheads(repeats: int, n: int = 2000) -> dict[str, float]:
    """Microseconds per step of the loop's bookkeeping alone, on a real (256, 10) logits tensor."""
    torch.manual_seed(0)
    logits, yb = torch.randn(BATCH, 10, requires_grad=True), torch.randint(0, 10, (BATCH,))
    loss = F.cross_entropy(logits, yb)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    noop = type("NoOpOptimizer", (), {"step": lambda self: None})()
    acc = {"loss": torch.zeros(()), "hits": torch.zeros((), dtype=torch.long), "f": 0.0, "i": 0}
    losses, hits = torch.zeros(n), torch.zeros(n, dtype=torch.long)

    def today(i):  # what train_loop does now
        acc["loss"] += loss.detach() * BATCH
        acc["hits"] += (logits.detach().argmax(1) == yb).sum()

    def loss_only(i):
        acc["loss"] += loss.detach() * BATCH

    def python_floats(i):  # .item() costs no device sync on the CPU
        acc["f"] += loss.item() * BATCH
        acc["i"] += int((logits.detach().argmax(1) == yb).sum())

    def buffers(i):  # one slot per step, reduced once per epoch
        losses[i] = loss.detach()
        hits[i] = (logits.detach().argmax(1) == yb).sum()

    def scaler_calls(i):
        scaler.scale(loss)
        scaler.step(noop)
        scaler.update()

    def autocast_ctx(i):
        with torch.autocast("cpu", dtype=torch.float32, enabled=False):
            pass

    fns = {"accumulate loss + accuracy (today)": today, "accumulate loss only": loss_only,
           "python floats (.item())": python_floats, "preallocated per-step buffers": buffers,
           "GradScaler(enabled=False) scale/step/update": scaler_calls,
           "autocast(enabled=False) enter/exit": autocast_ctx}
    out = {}
    for name, fn in fns.items():
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for i in range(n):
                fn(i)
            best = min(best, (time.perf_counter() - t0) / n * 1e6)
        out[name] = best
    return out


def _torch_profile(v: Variant, x, y, steps: int) -> str:
    from torch.profiler import ProfilerActivity, profile

    r = _Runner(v, x, y)
    r.steps(20)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        r.steps(steps)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", default="2,1", help="comma-separated torch.set_num_threads values to try")
    p.add_argument("--compile", action="store_true", help="also time torch.compile variants")
    p.add_argument("--no-mkldnn", action="store_true", help="set torch.backends.mkldnn.enabled = False")
    p.add_argument("--torch-profile", action="store_true")
    p.add_argument("--loops", action="store_true",
                   help="also time whole epochs of goodfit's train_loop with the alternatives swapped in")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--data-root", default=_default_root())
    p.add_argument("--nice", type=int, default=0,
                   help="rerun this script at that priority in a session of its own (negative: as root)")
    args = p.parse_args()
    if args.nice and not os.environ.get("_STEP_PROFILE_CHILD"):
        env = {**os.environ, "_STEP_PROFILE_CHILD": "1"}
        child = subprocess.run([sys.executable, *sys.argv], env=env, preexec_fn=prioritizer(args.nice))
        sys.exit(child.returncode)
    if args.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    x, y = _scaled_tensors(args.data_root, "train")
    variants = VARIANTS + (COMPILED if args.compile else [])
    results: dict[str, dict] = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        res = _profile_steps(variants, x, y, steps=args.steps, repeats=args.repeats)
        res["extras"] = _extras(x, y, args.repeats)
        results[f"threads={threads}"] = res
        base = res[GOODFIT.name]["min_ms"]
        print(f"\n## torch.set_num_threads({threads}), mkldnn={torch.backends.mkldnn.enabled}")
        print("| variant | ms/step (min) | ms/step (median) | vs goodfit |\n|---|---:|---:|---:|")
        for v in variants:
            t = res[v.name]
            print(f"| {v.name} | {t['min_ms']:.2f} | {t['median_ms']:.2f} | {t['min_ms'] / base:.2f}x |")
        for k, val in res["extras"].items():
            print(f"- {k}: {val:.1f}")
        res["overheads_us"] = _overheads(args.repeats)
        for k, val in res["overheads_us"].items():
            print(f"- per step, {k}: {val:.1f} µs")
        if args.loops:
            res["loops_s"] = _loop_variants(x, y, epochs=args.epochs, repeats=args.repeats)
            print(f"\n| {args.epochs} epochs, best of {args.repeats} | seconds | samples/s |")
            print("|---|---:|---:|")
            for k, sec in res["loops_s"].items():
                print(f"| {k} | {sec:.2f} | {args.epochs * len(y) / sec:,.0f} |")
    if args.torch_profile:
        for v in (GOODFIT, VARIANTS[8]):
            print(f"\n### torch.profiler: {v.name}\n{_torch_profile(v, x, y, args.steps)}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "args": vars(args), "results": results}, indent=2))
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
