"""Lint rules on the user's own practice code: how an evaluation function runs the model, and
whether a regularization penalty regularizes anything."""

from __future__ import annotations

import copy

import torch

from goodfit.checks.context import LintContext, keep_random_state
from goodfit.findings import Finding, finding
from goodfit.i18n import _

__all__ = ["check_evaluation", "check_penalty"]


def check_evaluation(ctx: LintContext) -> list[Finding]:
    if ctx.evaluate_fn is None or ctx.model is None:
        return []
    data = ctx.valid or ctx.test or ctx.train
    if data is None:
        return []
    seen: list[tuple[bool, bool]] = []
    model = copy.deepcopy(ctx.model)  # a buggy evaluation in train mode must not move the user's BN statistics
    model.register_forward_pre_hook(lambda m, a: seen.append((m.training, torch.is_grad_enabled())))
    model.train()  # as after a training epoch: evaluation must switch to eval mode itself
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data[0][:64], data[1][:64]), batch_size=32)
    try:
        with keep_random_state():
            ctx.evaluate_fn(model, loader)
    except Exception:  # the user's function on our probe loader: its own bugs are not this check's subject
        return []
    found = []
    if any(training for training, _grad in seen):
        found.append(finding("eval-in-train-mode", _("the evaluation function ran the model in train mode (dropout "
                                                     "and batch norm behave as in training)."), where="evaluate_fn"))
    if any(grad for _training, grad in seen):
        found.append(finding("eval-with-grad", _("the evaluation function ran with autograd enabled."),
                             where="evaluate_fn"))
    return found


def check_penalty(ctx: LintContext) -> list[Finding]:
    if ctx.penalty_fn is None or ctx.model is None:
        return []
    from goodfit.train.penalties import l1_penalty, weight_tensors

    try:
        value = ctx.penalty_fn(ctx.model)
    except Exception as exc:  # the classic torch.norm(model.parameters(), 1) raises TypeError
        return [finding("broken-l1", _("the penalty raises {error}: {message}").format(
            error=type(exc).__name__, message=str(exc).splitlines()[0]), where="penalty_fn")]
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        return [finding("broken-l1", _("the penalty is not a differentiable tensor of the weights: it penalizes "
                                       "nothing."), where="penalty_fn")]
    weights = weight_tensors(ctx.model)
    grads = torch.autograd.grad(value, weights, allow_unused=True)
    if all(g is None or not g.abs().sum() for g in grads):
        return [finding("broken-l1", _("the penalty's gradient with respect to every weight is zero: it penalizes "
                                       "nothing."), where="penalty_fn")]
    reference, got = l1_penalty(ctx.model).item(), value.detach().item()
    if abs(got - reference) > 0.01 * max(reference, 1e-12):
        return [finding("broken-l1", _(
            "the penalty is {got:.4g}, but sum(|w|) over weight tensors is {reference:.4g}: it penalizes other "
            "tensors (biases, norm layers) or a different norm.").format(got=got, reference=reference),
            where="penalty_fn", severity="warning")]
    return []
