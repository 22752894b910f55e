"""The probe pass: one forward and one backward pass on a training batch, before any training, on a
copy of the model (and with the random streams kept), so that the user's model, its batch-norm
statistics and the run's random draws are exactly as they were.

It finds what the published debuggers watch for during training, at step 0: layers whose outputs are
NaN/inf (DeepLocalize), dead ReLUs and saturated sigmoid/tanh units, vanishing and exploding
gradients (DeepDiagnosis, SageMaker Debugger), parameters whose gradient is exactly zero, and
parameters no loss reaches (Karpathy: "use backprop to chart dependencies").
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.context import LintContext, first_tensor, keep_random_state, model_input, probe_outputs
from goodfit.findings import Finding, finding
from goodfit.i18n import _
from goodfit.models.probing import activation_of, probe_layers

__all__ = ["check_probe_pass", "probe_loss"]

VANISHING, EXPLODING = 1e-7, 1e3  # mean |grad| of a weight tensor
DEAD_FRACTION, SATURATED_FRACTION = 0.5, 0.5


def probe_loss(kind: str | None, loss_fn: Any, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
    """The loss of ``out`` against ``y`` with the user's loss (or the task's usual one), or None when the
    two do not fit together (that is what the target checks report). torch's warnings about the pair
    (a broadcast) stay quiet here: the target checks say it as a finding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            value = _loss(kind, loss_fn, out, y)
    except Exception:  # wrong dtype or shape for the loss: reported by the target checks, not a crash here
        return None
    return value if isinstance(value, torch.Tensor) and value.ndim == 0 and value.requires_grad else None


def _loss(kind: str | None, loss_fn: Any, out: torch.Tensor, y: torch.Tensor) -> Any:
    if loss_fn is not None:
        return loss_fn(out, y.to(out.device))
    if kind == "classification" and out.ndim == 2 and not y.is_floating_point():
        return F.cross_entropy(out, y.to(out.device))
    if kind == "binary" and out.numel() == y.numel():
        return F.binary_cross_entropy_with_logits(out, y.to(out).reshape(out.shape))
    if kind in ("regression", "arrays") and out.numel() == y.numel():
        return F.mse_loss(out, y.to(out).reshape(out.shape))
    return None


def check_probe_pass(ctx: LintContext) -> list[Finding]:
    if ctx.model is None or ctx.probe() is None:
        return []
    probe_outputs(ctx)  # the eval-mode pass: it records a forward pass that raises
    if "forward_error" in ctx.cache:
        return [finding("forward-error", _("the model raised on a training batch of shape {shape}: {error}").format(
            shape=tuple(ctx.probe()[0].shape), error=ctx.cache["forward_error"]), where="model")]
    model = copy.deepcopy(ctx.model).train()
    x, y = ctx.probe()
    acts: list[tuple[str, nn.Module, torch.Tensor]] = []
    hooks = [m.register_forward_hook(lambda mod, _i, o, name=name: acts.append((name, mod, o)))
             for name, m in probe_layers(model)]
    try:
        with keep_random_state():
            out = first_tensor(model(model_input(model, x)))
            loss = probe_loss(ctx.kind(), ctx.loss_fn, out, y) if out is not None else None
            if loss is not None:
                loss.backward()
    except Exception:  # a model that fails in train mode only: nothing to measure, nothing to claim
        return []
    finally:
        for h in hooks:
            h.remove()
    found = _activations(acts)
    if loss is not None and math.isfinite(float(loss.detach())):
        found += _gradients(model)
    return found


def _activations(acts: list[tuple[str, nn.Module, Any]]) -> list[Finding]:
    found = []
    for name, mod, out in acts:
        if not isinstance(out, torch.Tensor) or not out.is_floating_point():
            continue
        if not torch.isfinite(out).all():  # the first layer that breaks the numbers: later ones inherit it
            return [finding("nonfinite-activation", _(
                "{name} ({layer}) is the first layer whose output contains NaN/Inf on a training batch, before any "
                "training.").format(name=name, layer=type(mod).__name__), where=name)]
        kind = activation_of(mod)
        if kind == "relu" and out.dim() >= 2 and len(out) > 1:
            units = [d for d in range(out.dim()) if d != 1]  # (B, C[, H, W]): per unit / channel
            dead = float((out.detach().amax(dim=units) <= 0).float().mean())
            if dead > DEAD_FRACTION:
                found.append(finding("dead-relu", _(
                    "{dead:.0%} of the units of {name} output 0 for every sample of a training batch, before any "
                    "training.").format(dead=dead, name=name), where=name))
        elif kind in ("tanh", "sigmoid"):
            o = out.detach()
            sat = float((o.abs() > 0.99).float().mean() if kind == "tanh" else ((o < 0.01) | (o > 0.99))
                        .float().mean())
            if sat > SATURATED_FRACTION:
                found.append(finding("saturated-activation", _(
                    "{saturated:.0%} of the activations of {name} ({layer}) are saturated before any training.").format(
                        saturated=sat, name=name, layer=type(mod).__name__), where=name))
    return found


def _gradients(model: nn.Module) -> list[Finding]:
    found, unused = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.grad is None:
            unused.append(name)
            continue
        mean = float(p.grad.abs().mean())
        if not math.isfinite(mean) or mean > EXPLODING:
            found.append(finding("exploding-gradient", _("mean |grad| of {name} is {mean:.3g} on the first "
                                                         "batch.").format(name=name, mean=mean), where=name))
        elif mean == 0.0:
            found.append(finding("zero-gradient", _("the gradient of {name} is exactly zero on a training batch: it "
                                                    "will not learn.").format(name=name), where=name))
        elif mean < VANISHING and p.dim() > 1:
            found.append(finding("vanishing-gradient", _("mean |grad| of {name} is {mean:.1e} on the first "
                                                         "batch.").format(name=name, mean=mean), where=name))
    if unused:
        shown = ", ".join(unused[:4])
        if len(unused) > 4:
            shown = _("{names} and {n} more").format(names=shown, n=len(unused) - 4)
        found.append(finding("unused-parameters", _(
            "no gradient reaches {names}: the loss does not depend on them (a layer not called in forward(), or a "
            ".detach()).").format(names=shown), where=unused[0]))
    return found
