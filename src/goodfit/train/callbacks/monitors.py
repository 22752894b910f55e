"""Training monitors: cheap health checks on a probe batch every ``every`` steps and at epoch ends.

Each check names the layer and the fix (see ``docs/checks.md``). The probe pass runs in eval mode
and takes gradients with ``torch.autograd.grad``, so it changes neither ``.grad`` nor batch-norm
statistics: training proceeds exactly as without monitors. The cost is one probe pass per ``every``
steps (measured in bench/RESULTS.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from goodfit.findings import Finding, finding
from goodfit.i18n import _
from goodfit.models.probing import activation_of, is_weighted, probe_layers
from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.distributed import unwrap

__all__ = ["Monitors"]

VANISHING, EXPLODING = 1e-7, 1e3  # mean |grad| of a weight tensor
DEAD_FRACTION, SATURATED_FRACTION = 0.5, 0.5
RATIO_LOW, RATIO_HIGH = 1e-5, 1e-1  # update / weight norm; ~1e-3 is healthy


class Monitors(Callback):
    """Collects :class:`~goodfit.findings.Finding` s in ``self.findings`` (deduplicated)."""

    def __init__(self, probe_x: torch.Tensor, probe_y: torch.Tensor, *,
                 loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
                 probe_loss: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None, every: int = 100) -> None:
        self.x, self.y, self.every = probe_x, probe_y, every
        self.loss_fn = loss_fn if loss_fn is not None else _classifier_loss  # the task's loss
        self.probe_loss = probe_loss  # a model without a plain forward -> loss (a VAE): probe_loss(model, x)
        self.start_step = 0
        self.resumed = False
        self.found: dict[tuple[str, str | None], Finding] = {}
        self.initial: dict[str, torch.Tensor] = {}
        self.ratios: dict[str, list[float]] = {}
        self.before: dict[str, torch.Tensor] | None = None
        self.last_probe = -(10**9)

    @property
    def findings(self) -> list[Finding]:
        return list(self.found.values())

    def _add(self, f: Finding) -> None:
        self.found.setdefault((f.id, f.where), f)

    def _model(self, state: TrainState) -> nn.Module:
        return unwrap(state.model)  # probes run on the plain model: no DDP collectives

    # ------------------------------------------------------------------ events
    def on_fit_start(self, state: TrainState) -> None:
        if self.resumed:  # carried on from a checkpoint's state_dict: exactly as if never stopped
            return
        model = self._model(state)
        self.start_step = state.step  # a resumed run without saved monitor state judges only its own steps
        self.initial = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
        stats = self._probe(model, state.step)
        if state.step == 0:
            self._check_init(stats)

    def on_batch_end(self, state: TrainState, loss: torch.Tensor) -> None:
        model = self._model(state)
        if self.before is not None:  # one step after a probe: how much did the weights move?
            for name, p in model.named_parameters():
                if name in self.before:
                    w = self.before[name]
                    ratio = float((p.detach() - w).norm() / (w.norm() + 1e-12))
                    self.ratios.setdefault(name, []).append(ratio)
            self.before = None
        if state.step % self.every == 0:
            self._probe(model, state.step)
            self.before = {n: p.detach().clone() for n, p in model.named_parameters()
                           if p.requires_grad and p.dim() > 1}

    def next_busy_step(self, step: int) -> int:
        """The first step after ``step`` at which :meth:`on_batch_end` has work (a probe, or the update
        ratios one step after it): a caller may skip it until then.

        Example:
            >>> m = Monitors(torch.zeros(1, 2), torch.zeros(1, dtype=torch.long), every=100)
            >>> m.next_busy_step(1), m.next_busy_step(100)
            (100, 200)
        """
        return step + 1 if self.before is not None else (step // self.every + 1) * self.every

    def on_epoch_end(self, state: TrainState) -> None:
        # on tiny data sets an epoch is a few steps: keep probes at least every/4 steps apart
        if state.step - self.last_probe >= max(1, self.every // 4):
            self._probe(self._model(state), state.step)

    def on_fit_end(self, state: TrainState) -> None:
        model = self._model(state)
        if state.step == self.start_step:  # no step taken here (e.g. resuming a finished run)
            return
        for name, p in model.named_parameters():
            if name in self.initial and torch.equal(p.detach(), self.initial[name]):
                self._add(finding("unchanged-parameters", _(
                    "{name} still holds its values after {steps} steps.").format(
                        name=name, steps=state.step - self.start_step), where=name))
        for name, ratios in self.ratios.items():
            med = sorted(ratios)[len(ratios) // 2]
            if med > RATIO_HIGH or med < RATIO_LOW:
                text = (_("median update/weight ratio of {name} is {ratio:.1e} (healthy ~1e-3); the learning rate "
                          "looks too high: lower it.") if med > RATIO_HIGH else
                        _("median update/weight ratio of {name} is {ratio:.1e} (healthy ~1e-3); the learning rate "
                          "looks too low: raise it."))
                self._add(finding("update-ratio", text.format(name=name, ratio=med), where=name))

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs to judge as an uninterrupted one would (findings, the first
        weights, pending update ratios, probe timing); kept in ``last.pt``."""
        return {"ratios": self.ratios, "found": list(self.found.values()), "initial": self.initial,
                "start_step": self.start_step, "before": self.before, "last_probe": self.last_probe}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.ratios = state.get("ratios", {})
        if "found" in state:  # older checkpoints hold ratios only: then on_fit_start starts afresh
            self.found = {(f.id, f.where): f for f in state["found"]}
            self.initial, self.start_step = state["initial"], state["start_step"]
            self.before, self.last_probe = state["before"], state["last_probe"]
            self.resumed = True

    # ------------------------------------------------------------------ the probe pass
    def _probe(self, model: nn.Module, step: int) -> list[tuple[str, nn.Module, torch.Tensor]]:
        self.last_probe = step
        acts: list[tuple[str, nn.Module, torch.Tensor]] = []
        hooks = [m.register_forward_hook(lambda mod, _i, out, name=name: acts.append((name, mod, out)))
                 for name, m in probe_layers(model)]
        was_training = model.training
        model.eval()
        try:
            loss = self.probe_loss(model, self.x) if self.probe_loss else self.loss_fn(model(self.x), self.y)
            named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
            grads = torch.autograd.grad(loss, [p for _n, p in named], allow_unused=True) if loss.requires_grad else []
        finally:
            for h in hooks:
                h.remove()
            model.train(was_training)
        with torch.no_grad():
            self._check_activations(acts, step)
            for (name, p), g in zip(named, grads):
                if g is None or p.dim() < 2:
                    continue
                mean = float(g.abs().mean())
                if not math.isfinite(mean) or mean > EXPLODING:
                    self._add(finding("exploding-gradient", _("mean |grad| of {name} is {mean:.3g} at step "
                                                              "{step}.").format(name=name, mean=mean, step=step),
                                      where=name))
                elif mean < VANISHING and step > 0:
                    self._add(finding("vanishing-gradient", _("mean |grad| of {name} is {mean:.1e} at step "
                                                              "{step}.").format(name=name, mean=mean, step=step),
                                      where=name))
        return acts

    def _check_activations(self, acts: list, step: int) -> None:
        # only the first layer ever seen producing NaN/Inf matters: later ones inherit it
        nonfinite_reported = any(f.id == "nonfinite-activation" for f in self.found.values())
        for name, mod, out in acts:
            if not isinstance(out, torch.Tensor) or not out.is_floating_point():
                continue
            if not nonfinite_reported and not torch.isfinite(out).all():
                self._add(finding("nonfinite-activation", _(
                    "{name} ({layer}) is the first layer whose output contains NaN/Inf (step {step}).").format(
                        name=name, layer=type(mod).__name__, step=step), where=name))
                nonfinite_reported = True
            kind = activation_of(mod)
            if kind == "relu" and out.dim() >= 2 and step > 0:
                unit_dims = [d for d in range(out.dim()) if d != 1]  # (B, C[, H, W]): per unit/channel
                dead = float((out.amax(dim=unit_dims) <= 0).float().mean())
                if dead > DEAD_FRACTION:
                    self._add(finding("dead-relu", _(
                        "{dead:.0%} of the units of {name} output 0 for every probe input (step {step}).").format(
                            dead=dead, name=name, step=step), where=name))
            elif kind in ("tanh", "sigmoid"):
                sat = float((out.abs() > 0.99).float().mean() if kind == "tanh"
                            else ((out < 0.01) | (out > 0.99)).float().mean())
                if sat > SATURATED_FRACTION:
                    self._add(finding("saturated-activation", _(
                        "{saturated:.0%} of the activations of {name} ({layer}) are saturated (step {step}).").format(
                            saturated=sat, name=name, layer=type(mod).__name__, step=step), where=name))

    def _check_init(self, acts: list) -> None:
        layers = [(n, float(o.detach().float().std())) for n, m, o in acts
                  if is_weighted(m) and isinstance(o, torch.Tensor)]
        if len(layers) < 3:
            return
        first, last = layers[0][1], layers[-2][1]  # the logits layer may scale freely
        ratio = last / max(first, 1e-12)
        if ratio < 1e-2 or ratio > 1e2:
            text = (_("activation std collapses from {first:.3g} ({first_layer}) to {last:.3g} ({last_layer}) before "
                      "training.") if ratio < 1 else
                    _("activation std grows from {first:.3g} ({first_layer}) to {last:.3g} ({last_layer}) before "
                      "training."))
            self._add(finding("poor-initialization", text.format(first=first, first_layer=layers[0][0], last=last,
                                                                 last_layer=layers[-2][0]), where=layers[-2][0]))


def _classifier_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(outputs, targets) if outputs.ndim == 2 else outputs.float().mean()
