"""The training loop, readable top to bottom.

Per epoch: shuffle (fresh permutation), forward, loss, backward, step; then evaluate on the
validation split in eval mode and hand one history row to the callbacks (early stopping,
checkpoints, progress). A non-finite loss raises :class:`~goodfit.errors.TrainingError`.

Data parallel (``rank`` given, the model wrapped in DDP): each rank trains on its part of every
batch, the epoch's train numbers are summed over ranks, and rank 0 alone validates and runs the
callbacks; its stop decision is shared so that every rank leaves the loop at the same epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from goodfit.errors import TrainingError
from goodfit.train.batching import Batches
from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.distributed import Rank, unwrap
from goodfit.train.evaluate import predict_logits

__all__ = ["train_loop", "NAN_CHECK_EVERY"]

NAN_CHECK_EVERY = 50  # steps between finiteness checks (each one syncs a GPU)
KEEP_LOGITS = 1 << 22  # most logits elements an epoch's tally holds before counting correct predictions


def _emit(callbacks: Sequence[Callback], event: str, *args: object) -> None:
    for cb in callbacks:
        getattr(cb, event)(*args)


def _wants_batches(callbacks: Sequence[Callback]) -> list[Callback]:
    """Only callbacks that override ``on_batch_end`` cost anything per step."""
    return [cb for cb in callbacks if type(cb).on_batch_end is not Callback.on_batch_end]


def train_loop(
    state: TrainState,
    batches: Batches,
    *,
    valid: tuple[torch.Tensor, torch.Tensor] | None,
    loss_fn: nn.Module | None = None,
    penalty: Callable[[], torch.Tensor] | None = None,
    callbacks: Sequence[Callback] = (),
    device: torch.device,
    amp_dtype: torch.dtype | None = None,
    rank: Rank | None = None,
) -> TrainState:
    """Train ``state.model`` from ``state.epoch`` to ``state.epochs`` (or until a callback stops).

    Example:
        >>> from goodfit.train.batching import MemoryBatches
        >>> model = nn.Linear(2, 2)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> x, y = torch.randn(64, 2), torch.randint(0, 2, (64,))
        >>> batches = MemoryBatches(x, y, batch_size=16, seed=0)
        >>> s = TrainState(model, opt, None, epochs=2, steps_per_epoch=len(batches))
        >>> len(train_loop(s, batches, valid=None, device=torch.device("cpu")).history)
        2
    """
    model, opt = state.model, state.optimizer
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    per_batch = _wants_batches(callbacks)
    # float16 autocast needs loss scaling; without AMP both context and scaler are skipped (per-step cost)
    scaler = torch.amp.GradScaler(device.type) if amp_dtype == torch.float16 else None
    autocast = (lambda: torch.autocast(device.type, dtype=amp_dtype)) if amp_dtype is not None else nullcontext
    _emit(callbacks, "on_fit_start", state)
    while state.epoch < state.epochs and not state.should_stop:
        t0 = time.perf_counter()
        model.train()
        loss_sum, correct, seen = _train_epoch(state, batches, loss_fn=loss_fn, penalty=penalty, per_batch=per_batch,
                                               autocast=autocast, scaler=scaler, rank=rank, device=device)
        if rank is not None:  # each rank trained on its own part: the epoch's numbers are sums over ranks
            counts = torch.tensor([seen], device=device, dtype=torch.float64)
            totals = rank.sum(torch.cat([loss_sum.double().view(1), correct.double().view(1), counts]))
            loss_sum, correct, seen = totals.tolist()
        train_loss = float(loss_sum) / max(seen, 1)
        if not math.isfinite(train_loss):
            raise TrainingError(_nan_message(state, loss_sum))
        row = {"epoch": state.epoch + 1, "train_loss": train_loss, "train_acc": float(correct) / max(seen, 1)}
        if valid is not None:
            local = model if rank is None else unwrap(model)  # rank 0 alone: no DDP collectives here
            logits = predict_logits(local, valid[0], device=device, amp_dtype=amp_dtype)
            row["valid_loss"] = float(F.cross_entropy(logits, valid[1].cpu()))
            row["valid_acc"] = float((logits.argmax(1) == valid[1].cpu()).float().mean())
        row["lr"] = opt.param_groups[0]["lr"]
        row["time"] = time.perf_counter() - t0
        state.epoch += 1
        state.history.append(row)
        _emit(callbacks, "on_epoch_end", state)
        if rank is not None:
            rank.share_stop(state)
    if state.stop_reason is None:
        state.stop_reason = f"completed {state.epochs} epochs"
    _emit(callbacks, "on_fit_end", state)
    return state


def _train_epoch(
    state: TrainState,
    batches: Batches,
    *,
    loss_fn: nn.Module,
    penalty: Callable[[], torch.Tensor] | None,
    per_batch: Sequence[Callback],
    autocast: Callable[[], Any],
    scaler: torch.amp.GradScaler | None,
    rank: Rank | None,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """One pass over ``batches``: forward, loss, backward, step. Returns the summed loss, the number
    of correct predictions and of samples (this rank's)."""
    model, opt, sched = state.model, state.optimizer, state.scheduler
    tally = _Tally(device)
    for i, (xb, yb) in enumerate(batches):
        with autocast():
            logits = model(xb)  # (B, C)
            loss = loss_fn(logits, yb)
            if penalty is not None:  # e.g. L1: reported train_loss includes it
                loss = loss + penalty()
        opt.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        if sched is not None:
            sched.step()
        state.step += 1
        detached = loss.detach()
        tally.add(detached, logits.detach(), yb)
        for cb in per_batch:
            cb.on_batch_end(state, detached)
        if (i + 1) % NAN_CHECK_EVERY == 0:
            recent = _total(tally.reduce(), rank)
            if not torch.isfinite(recent):
                raise TrainingError(_nan_message(state, recent))  # on every rank at once: none waits
    tally.reduce()
    return tally.loss_sum, tally.correct, tally.seen


class _Tally:
    """An epoch's summed loss (float64), correct predictions and samples, from per-step values
    reduced every :data:`NAN_CHECK_EVERY` steps: inside a small model's training step an op costs
    ~20 µs (cold caches after the big products), a train accuracy's argmax ~30 (bench/RESULTS.md).
    The correct predictions are counted sooner when the kept logits pass :data:`KEEP_LOGITS`
    elements (many classes, large batches)."""

    def __init__(self, device: torch.device) -> None:
        self.loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.correct = torch.zeros((), dtype=torch.long, device=device)
        self.seen = 0
        self._losses: list[torch.Tensor] = []
        self._sizes: list[int] = []
        self._logits: list[torch.Tensor] = []
        self._labels: list[torch.Tensor] = []
        self._kept = 0  # logits elements held

    def add(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self._losses.append(loss)
        self._sizes.append(len(labels))
        self._logits.append(logits)
        self._labels.append(labels)
        self._kept += logits.numel()
        if self._kept > KEEP_LOGITS:  # many classes: count the correct ones now rather than hold 50 steps' logits
            self._count_correct()

    def _count_correct(self) -> None:
        if self._logits:
            self.correct += (torch.cat(self._logits).argmax(1) == torch.cat(self._labels)).sum()
        self._logits, self._labels, self._kept = [], [], 0

    def reduce(self) -> torch.Tensor:
        """Fold the steps since the last call into the totals; returns their summed loss."""
        if not self._losses:
            return torch.zeros((), dtype=torch.float64, device=self.loss_sum.device)
        weights = torch.tensor(self._sizes, dtype=torch.float64, device=self._losses[0].device)
        recent = torch.stack(self._losses).double().mul_(weights).sum()
        self.loss_sum += recent
        self._count_correct()
        self.seen += sum(self._sizes)
        self._losses, self._sizes = [], []
        return recent


def _total(value: torch.Tensor, rank: Rank | None) -> torch.Tensor:
    return value if rank is None else rank.sum(value)


def _nan_message(state: TrainState, loss_sum: torch.Tensor) -> str:
    lr = state.optimizer.param_groups[0]["lr"]
    return (
        f"loss became {float(loss_sum)} in epoch {state.epoch + 1} (step {state.step}); "
        f"lower optim.lr (now {lr:g}) or check the inputs for NaN/inf"
    )
