"""The overfit-one-batch sanity check, with a diagnosis of the loss curve when it fails.

A healthy model, loss and optimizer memorize one small batch: accuracy → 100 %, loss → ~0. When
that does not happen, the shape of the loss curve says why (see :func:`diagnose_sanity`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.errors import ConfigError
from goodfit.findings import Finding, finding
from goodfit.i18n import _
from goodfit.tasks import Binary, Classification, Task

__all__ = ["SanityResult", "overfit_one_batch", "diagnose_sanity"]

BatchFn = Callable[[int], tuple[torch.Tensor, torch.Tensor]]


@dataclass
class SanityResult:
    losses: list[float]
    accuracy: float  # on the batch, eval mode, after the last step
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return any(f.id == "sanity-passed" for f in self.findings)


def overfit_one_batch(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable | None = None,
    steps: int = 200,
    batch_fn: BatchFn | None = None,
    task: Task | None = None,
) -> SanityResult:
    """Train ``model`` on the single batch ``(x, y)`` for ``steps`` steps and diagnose the curve.

    ``task`` (default: classification) gives the loss (unless ``loss_fn``), whether an accuracy is
    measured, and the no-skill loss the curve is judged against. ``batch_fn(step)`` may supply the
    batch per step instead (tests use it to inject a pipeline whose labels are not paired with their
    inputs).
    """
    loss_fn = loss_fn if loss_fn is not None else (task.loss_fn if task is not None else F.cross_entropy)
    _check_batch(model, len(x))
    losses: list[float] = []
    start = [p.detach().clone() for p in model.parameters()]
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    model.train()
    for step in range(steps):
        xb, yb = batch_fn(step) if batch_fn is not None else (x, y)
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if step == 0:
            frozen, zero = _no_gradient(model)
            missing = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in held]
        optimizer.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            break
    model.eval()
    with torch.no_grad():
        out = model(x)
        accuracy = _accuracy(task, out, y)
        moved = [(p.detach() - s).norm() ** 2 for p, s in zip(model.parameters(), start)]
        change = float(torch.stack(moved).sum().sqrt() / torch.stack([s.norm() ** 2 for s in start]).sum().sqrt())
    model.train()
    if task is None or isinstance(task, Classification):
        chance = math.log(max(int(out.shape[1]) if out.ndim == 2 else 2, 2))
    else:
        chance = task.baselines(y.cpu(), x.cpu(), y.cpu())["chance_loss"]
    result = SanityResult(losses, accuracy)
    result.findings = diagnose_sanity(losses, accuracy, chance_loss=chance, frozen=frozen, zero_gradient=zero,
                                      not_optimized=missing,
                                      outputs=out if task is None or isinstance(task, Classification) else None,
                                      lr=optimizer.param_groups[0]["lr"], weight_change=change)
    return result


def _check_batch(model: nn.Module, n: int) -> None:
    """Batch norm in training mode cannot normalize a batch of one sample: say so instead of torch's error."""
    norms = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d))]
    if norms and n < 2:
        raise ConfigError(f"the model has {type(norms[0]).__name__} layers, which need at least 2 samples per "
                          f"training batch; overfit a batch of 2 or more (--batch-size), not {n}")


def _accuracy(task: Task | None, out: torch.Tensor, y: torch.Tensor) -> float | None:
    if task is None or isinstance(task, Classification):
        return float((out.argmax(1) == y).float().mean())
    if isinstance(task, Binary):
        return float(((out > 0) == (y > 0.5)).float().mean())
    return None  # regression, arrays: judged by the loss alone


def _no_gradient(model: nn.Module) -> tuple[list[str], list[str]]:
    """Parameters that got no gradient in a backward pass (frozen, or not reached), and those whose
    gradient was exactly zero."""
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad or p.grad is None]
    zero = [n for n, p in model.named_parameters() if p.grad is not None and not bool(p.grad.abs().sum() > 0)]
    return frozen, zero


def diagnose_sanity(losses: list[float], accuracy: float | None, *, chance_loss: float | None = None,
                    n_classes: int | None = None, frozen: Sequence[str] = (), zero_gradient: Sequence[str] = (),
                    not_optimized: Sequence[str] = (), outputs: torch.Tensor | None = None,
                    lr: float | None = None, weight_change: float | None = None) -> list[Finding]:
    """Name what went wrong from the loss curve of an overfit-one-batch run.

    ``chance_loss`` is the task's no-skill loss (``n_classes=C`` is short for ln C); ``accuracy`` is
    None for tasks without one (regression, arrays: the loss alone decides). Weights that did not move
    at all are explained by what the first backward pass saw: parameters without a gradient
    (``frozen``), gradients of exactly zero (``zero_gradient``) or parameters the optimizer does not
    hold (``not_optimized``); only weights that moved too little point at the learning rate.
    ``weight_change`` (relative L2 change of all parameters over the run) also separates a learning
    rate too low (nothing moves) from labels not paired with inputs (weights move, loss stays).
    """
    ref = chance_loss if chance_loss is not None else math.log(max(n_classes or 2, 2))
    arr = np.asarray(losses, dtype=float)
    if len(arr) == 0:
        return []
    start, end = arr[0], arr[-1]
    tail = arr[-max(len(arr) // 5, 1):]
    if not np.isfinite(arr).all() or end > 10 * max(start, ref) or arr.max() > 1e3 * max(start, 1e-3):
        text = (_("the loss went from {start:.3g} to {highest:.3g} (lr={lr:g}).") if np.isfinite(arr).all()
                else _("the loss went from {start:.3g} to {highest:.3g} and then NaN/inf (lr={lr:g})."))
        return [finding("loss-exploding", text.format(start=start, highest=arr.max(), lr=lr))]
    if (accuracy is None or accuracy >= 0.99) and end < 0.1 * max(start, ref):
        text = (_("loss {start:.3g} → {end:.3g}.") if accuracy is None
                else _("batch accuracy {accuracy:.0%}, loss {start:.3g} → {end:.3g}."))
        return [finding("sanity-passed", text.format(accuracy=accuracy, start=start, end=end))]
    if outputs is not None and outputs.ndim == 2 and (outputs >= 0).all() and torch.allclose(
            outputs.sum(1), torch.ones(len(outputs)), atol=1e-3):
        return [finding("probabilities-to-loss", _(
            "the model outputs probabilities; the loss stalled at {end:.3g} (accuracy {accuracy:.0%}).").format(
                end=end, accuracy=accuracy))] if accuracy is not None else []
    unmoved = weight_change is not None and weight_change == 0.0
    if unmoved and not_optimized:
        return [finding("optimizer-params-mismatch", _(
            "the optimizer holds none of {names}: the weights did not change in {steps} steps.").format(
                names=_shown(not_optimized), steps=len(arr)), where="optimizer")]
    if frozen:
        return [finding("frozen-parameters", _("no gradient reaches {names}; the loss stalled at {end:.3g}.").format(
            names=_shown(frozen), end=end), where=frozen[0])]
    if unmoved and zero_gradient:
        return [finding("zero-gradient", _(
            "the gradient of {names} is exactly zero: the weights did not change in {steps} steps, whatever the "
            "learning rate.").format(names=_shown(zero_gradient), steps=len(arr)), where=zero_gradient[0])]
    if end > start * 1.01 and (np.diff(arr) > 0).mean() > 0.6:  # climbing, step after step
        return [finding("loss-rising", _("the loss rose from {start:.3g} to {end:.3g} (lr={lr:g}).").format(
            start=start, end=end, lr=lr))]
    wiggle = np.abs(np.diff(tail)).mean() if len(tail) > 1 else 0.0
    stuck = tail.mean() > 0.9 * min(start, ref)  # no real progress from the start / chance level
    if stuck and not unmoved and wiggle <= 1e-4 * max(abs(tail.mean()), 1e-8) and (weight_change or 0) >= 1e-3:
        return [finding("loss-flat", _(
            "the loss stays at {level:.4g} (it started at {start:.4g}) although the weights changed by "
            "{change:.1e}: it does not depend on them any more.").format(
                level=tail.mean(), start=start, change=weight_change))]
    if stuck and weight_change is not None and weight_change < 1e-3:
        return [finding("loss-plateau-lr", _(
            "the loss barely moved ({start:.4g} → {end:.4g}) and the weights changed by {change:.1e} in {steps} "
            "steps (lr={lr:g}).").format(start=start, end=end, change=weight_change, steps=len(arr), lr=lr))]
    if stuck or (tail.mean() > 0.3 * ref and wiggle > 0.05 * tail.mean()):
        return [finding("loss-oscillating", _(
            "the loss stays around {level:.3g} (no-skill loss {reference:.3g}; mean step-to-step change "
            "{wiggle:.3g}) although the weights move (lr={lr:g}): steps too large, or labels not paired with "
            "their inputs.").format(level=tail.mean(), reference=ref, wiggle=wiggle, lr=lr))]
    text = (_("the loss fell only from {start:.3g} to {end:.3g}.") if accuracy is None
            else _("the loss fell only from {start:.3g} to {end:.3g}; batch accuracy {accuracy:.0%}."))
    return [finding("loss-plateau", text.format(start=start, end=end, accuracy=accuracy))]


def _shown(names: Sequence[str], k: int = 5) -> str:
    shown = ", ".join(names[:k])
    return _("{names} and {n} more").format(names=shown, n=len(names) - k) if len(names) > k else shown
