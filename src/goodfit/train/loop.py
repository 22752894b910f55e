"""The training loop, readable top to bottom: the one loop every goodfit model trains in.

Per epoch: shuffle (fresh permutation), then for each batch one *step* (by default
:class:`SupervisedStep`: forward, loss, backward, optimizer step; a model with its own kind of step,
such as a GAN's two optimizers, brings its own), then evaluate on the validation split in eval mode
and hand one history row to the callbacks (early stopping, checkpoints, progress). The run's task
(:mod:`goodfit.tasks`) says which running numbers an epoch keeps and what validation measures. A
non-finite loss raises :class:`~goodfit.errors.TrainingError`.

Data parallel (``rank`` given, the model wrapped in DDP): each rank trains on its part of every
batch, the epoch's train numbers are summed over ranks, and rank 0 alone validates and runs the
callbacks; its stop decision is shared so that every rank leaves the loop at the same epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any, Protocol

import torch
from torch import nn

from goodfit.errors import TrainingError
from goodfit.tasks import Classification, Task
from goodfit.train.batching import Batches
from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.distributed import Rank, unwrap
from goodfit.train.evaluate import predict_logits

__all__ = ["train_loop", "Step", "StepOutput", "SupervisedStep", "NAN_CHECK_EVERY"]

NAN_CHECK_EVERY = 50  # steps between finiteness checks (each one syncs a GPU)
KEEP_OUTPUTS = 1 << 22  # most output elements an epoch's tally holds before counting correct predictions

# one step's detached loss, its outputs for the task's running numbers (or None), other numbers to average
StepOutput = tuple[torch.Tensor, torch.Tensor | None, dict[str, torch.Tensor] | None]
Validate = Callable[[nn.Module], dict[str, float]]  # the model -> the row's valid_* numbers


class Step(Protocol):
    """One optimizer step (or several, as a GAN's) on a batch."""

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> StepOutput: ...


class SupervisedStep:
    """forward → loss (+ penalty) → backward → optimizer step → scheduler step.

    Gradients are cleared by setting each parameter's ``.grad`` to None (what ``zero_grad`` does,
    without its profiler range per call). float16 autocast (CUDA) gets a ``GradScaler``; without AMP
    neither context nor scaler is entered.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module, *,
                 scheduler: Any = None, penalty: Callable[[], torch.Tensor] | None = None,
                 amp_dtype: torch.dtype | None = None, device: torch.device) -> None:
        self.model, self.optimizer, self.loss_fn, self.scheduler, self.penalty = (
            model, optimizer, loss_fn, scheduler, penalty)
        self.params = [p for group in optimizer.param_groups for p in group["params"]]
        self.scaler = torch.amp.GradScaler(device.type) if amp_dtype == torch.float16 else None
        self.autocast = (lambda: torch.autocast(device.type, dtype=amp_dtype)) if amp_dtype is not None \
            else nullcontext

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> StepOutput:
        with self.autocast():
            outputs = self.model(xb)  # (B, *output_shape)
            loss = self.loss_fn(outputs, yb)
            if self.penalty is not None:  # e.g. L1: the reported train_loss includes it
                loss = loss + self.penalty()
        for p in self.params:
            p.grad = None
        if self.scaler is None:
            loss.backward()
            self.optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.detach(), outputs.detach(), None


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
    valid: tuple[torch.Tensor, torch.Tensor] | Validate | None,
    task: Task | None = None,
    loss_fn: nn.Module | None = None,
    penalty: Callable[[], torch.Tensor] | None = None,
    step: Step | None = None,
    callbacks: Sequence[Callback] = (),
    device: torch.device,
    amp_dtype: torch.dtype | None = None,
    rank: Rank | None = None,
    tta: str = "none",
) -> TrainState:
    """Train ``state.model`` from ``state.epoch`` to ``state.epochs`` (or until a callback stops).

    ``task`` (default: classification) supplies the loss (unless ``loss_fn`` is given), the running
    train numbers and the validation numbers; ``valid`` is ``(inputs, targets)`` for the task, or a
    function of the model returning the row's ``valid_*`` numbers. ``step`` replaces the supervised
    step (``penalty`` and ``amp_dtype`` belong to that one). ``tta`` gives each epoch's validation
    test-time views (:func:`~goodfit.train.evaluate.predict_logits`); ``goodfit train`` keeps them for
    the evaluation after training, as airbench and fastai do, because they multiply its cost.

    Examples:
        >>> from goodfit.train.batching import MemoryBatches
        >>> model = nn.Linear(2, 2)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> x, y = torch.randn(64, 2), torch.randint(0, 2, (64,))
        >>> batches = MemoryBatches(x, y, batch_size=16, seed=0)
        >>> s = TrainState(model, opt, None, epochs=2, steps_per_epoch=len(batches))
        >>> len(train_loop(s, batches, valid=(x, y), device=torch.device("cpu")).history)
        2
    """
    model, opt = state.model, state.optimizer
    task = task if task is not None else Classification()
    loss_fn = loss_fn if loss_fn is not None else task.loss_fn
    step = step or SupervisedStep(model, opt, loss_fn, scheduler=state.scheduler, penalty=penalty,
                                  amp_dtype=amp_dtype, device=device)
    per_batch = _wants_batches(callbacks)
    _emit(callbacks, "on_fit_start", state)
    while state.epoch < state.epochs and not state.should_stop:
        t0 = time.perf_counter()
        model.train()
        row = {"epoch": state.epoch + 1, **_train_epoch(state, batches, step, task=task, per_batch=per_batch,
                                                        rank=rank, device=device)}
        if valid is not None:
            local = model if rank is None else unwrap(model)  # rank 0 alone: no DDP collectives here
            if callable(valid):
                row.update(valid(local))
            else:
                outputs = predict_logits(local, valid[0], device=device, amp_dtype=amp_dtype, tta=tta)
                row.update(task.valid_numbers(outputs, valid[1].cpu()))
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


def _train_epoch(state: TrainState, batches: Batches, step: Step, *, task: Task, per_batch: Sequence[Callback],
                 rank: Rank | None, device: torch.device) -> dict[str, float]:
    """One pass over ``batches``; returns the epoch's train numbers (summed over ranks)."""
    tally = _Tally(device, task if task.counts_correct else None)
    for i, (xb, yb) in enumerate(batches):
        loss, outputs, extras = step(xb, yb)
        state.step += 1
        tally.add(loss, outputs, yb, extras)
        for cb in per_batch:
            cb.on_batch_end(state, loss)
        if (i + 1) % NAN_CHECK_EVERY == 0:
            recent = tally.reduce()
            if not torch.isfinite(recent if rank is None else rank.sum(recent)):
                raise TrainingError(_nan_message(state, recent))  # on every rank at once: none waits
    tally.reduce()
    numbers = tally.totals(rank)
    if not all(math.isfinite(v) for v in numbers.values()):
        raise TrainingError(_nan_message(state, torch.tensor(numbers["train_loss"])))
    return numbers


class _Tally:
    """An epoch's summed loss (float64), other per-step numbers, correct predictions and samples, from
    per-step values reduced every :data:`NAN_CHECK_EVERY` steps rather than once a step (each op inside
    a small model's step costs about as much as a layer; bench/RESULTS.md). Outputs for the task's
    correct count are kept until then, or until they pass :data:`KEEP_OUTPUTS` elements."""

    def __init__(self, device: torch.device, counter: Task | None) -> None:
        self.device, self.counter = device, counter
        self.sums: dict[str, torch.Tensor] = {"train_loss": torch.zeros((), dtype=torch.float64, device=device)}
        self.correct = torch.zeros((), dtype=torch.long, device=device)
        self.seen = 0
        self._values: dict[str, list[torch.Tensor]] = {"train_loss": []}
        self._sizes: list[int] = []
        self._outputs: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        self._kept = 0  # output elements held
        self.counted = False

    def add(self, loss: torch.Tensor, outputs: torch.Tensor | None, targets: torch.Tensor,
            extras: dict[str, torch.Tensor] | None) -> None:
        self._values["train_loss"].append(loss)
        self._sizes.append(len(targets))
        if extras:
            for key, value in extras.items():
                self._values.setdefault(key, []).append(value)
        if self.counter is not None and outputs is not None:
            self.counted = True
            self._outputs.append(outputs)
            self._targets.append(targets)
            self._kept += outputs.numel()
            if self._kept > KEEP_OUTPUTS:  # many classes: count now rather than hold 50 steps of outputs
                self._count_correct()

    def _count_correct(self) -> None:
        if self._outputs:
            self.correct += self.counter.count_correct(torch.cat(self._outputs), torch.cat(self._targets))
        self._outputs, self._targets, self._kept = [], [], 0

    def reduce(self) -> torch.Tensor:
        """Fold the steps since the last call into the totals; returns their summed loss."""
        if not self._sizes:
            return torch.zeros((), dtype=torch.float64, device=self.device)
        weights = torch.tensor(self._sizes, dtype=torch.float64, device=self.device)
        recent = None
        for key, values in self._values.items():
            if values:
                summed = torch.stack(values).double().mul_(weights).sum()
                self.sums[key] = self.sums.get(key, 0) + summed
                recent = summed if key == "train_loss" else recent
            self._values[key] = []
        self._count_correct()
        self.seen += sum(self._sizes)
        self._sizes = []
        return recent

    def totals(self, rank: Rank | None) -> dict[str, float]:
        """The epoch's means: ``train_loss``, any other step numbers, and ``train_acc`` when counted."""
        keys = list(self.sums)
        values = torch.stack([self.sums[k].double() for k in keys]
                             + [self.correct.double(), torch.tensor(float(self.seen), dtype=torch.float64,
                                                                    device=self.device)])
        if rank is not None:  # each rank trained on its own part: the epoch's numbers are sums over ranks
            values = rank.sum(values)
        *sums, correct, seen = values.tolist()
        out = {k: s / max(seen, 1) for k, s in zip(keys, sums)}
        if self.counted:  # the step handed back outputs to count (a custom step may not)
            out["train_acc"] = correct / max(seen, 1)
        return out


def _nan_message(state: TrainState, loss_sum: torch.Tensor) -> str:
    lr = state.optimizer.param_groups[0]["lr"]
    return (
        f"loss became {float(loss_sum)} in epoch {state.epoch + 1} (step {state.step}); "
        f"lower optim.lr (now {lr:g}) or check the inputs for NaN/inf"
    )
