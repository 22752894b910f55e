"""Lint rules on the model, the loss and the optimizer: what sits after the last layer, train / eval
mode, frozen or orphaned parameters, learning rate and weight decay for every torch optimizer, batch
norm fed single samples, batch size against the data."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.context import LintContext, probe_outputs
from goodfit.findings import Finding, finding
from goodfit.i18n import _

__all__ = ["check_output_layer", "check_model_state", "check_optimizer", "check_hyperparameters",
           "check_batchnorm_batches", "LR_RANGES", "LR_REFERENCE_BATCH"]

# usual learning rates per torch optimizer (class name, lower case); flagged outside them
LR_RANGES = {
    "sgd": (1e-4, 1.0), "asgd": (1e-4, 1.0), "adam": (1e-5, 0.05), "adamw": (1e-5, 0.05),
    "adamax": (1e-5, 0.05), "nadam": (1e-5, 0.05), "radam": (1e-5, 0.05), "sparseadam": (1e-5, 0.05),
    "rmsprop": (1e-5, 0.05), "adagrad": (1e-4, 0.5), "adadelta": (1e-2, 10.0), "rprop": (1e-5, 0.1),
    "lbfgs": (1e-3, 10.0), "adafactor": (1e-4, 0.1),
}
# SGD's upper bound is for batches of up to this many samples; larger batches take proportionally larger
# steps (Goyal et al., 2017, "Accurate, Large Minibatch SGD": lr 0.1 per 256 samples), e.g. airbench's 1.5 at 1,024
LR_REFERENCE_BATCH = 256
# weight decay above these is more than regularization: decoupled (AdamW) vs L2 added to the gradient
WD_LIMITS = {"adamw": 1.0, "adafactor": 1.0}
WD_LIMIT_L2 = 0.01
_SQUASH = (nn.Softmax, nn.LogSoftmax)
_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Tanh,
                nn.Hardtanh, nn.Softplus, nn.Sigmoid, nn.Hardsigmoid, nn.Hardswish)
_BATCHNORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def _is_ce(loss_fn: Any) -> bool:
    return loss_fn is None or isinstance(loss_fn, nn.CrossEntropyLoss) or loss_fn is F.cross_entropy


def _is_bce_logits(loss_fn: Any) -> bool:
    return isinstance(loss_fn, nn.BCEWithLogitsLoss) or loss_fn is F.binary_cross_entropy_with_logits


def _last_leaf(model: nn.Module) -> nn.Module | None:
    leaves = [m for m in model.modules() if not list(m.children())]
    return leaves[-1] if leaves else None


def check_output_layer(ctx: LintContext) -> list[Finding]:
    """A softmax before cross-entropy, a sigmoid before BCE-with-logits, any other activation after the
    last layer of a logits loss (the outputs' values tell when it happens inside forward())."""
    if ctx.model is None:
        return []
    last = _last_leaf(ctx.model)
    if _is_bce_logits(ctx.loss_fn):
        if isinstance(last, nn.Sigmoid):
            return [finding("sigmoid-before-bce", _("the model's last layer is Sigmoid and the loss is "
                                                    "BCEWithLogitsLoss, which applies the sigmoid itself."),
                            where="model")]
        return _activation_before_logits(last, "BCEWithLogitsLoss")
    if not _is_ce(ctx.loss_fn) or ctx.kind() != "classification":
        return []
    if isinstance(last, _SQUASH):
        return [finding("softmax-before-ce", _(
            "the model's last layer is {layer} and the loss is CrossEntropyLoss, which applies log-softmax "
            "itself.").format(layer=type(last).__name__), where="model")]
    out = probe_outputs(ctx)
    if out is not None and out.ndim == 2 and out.shape[1] >= 2:
        if (out >= 0).all() and torch.allclose(out.sum(1), torch.ones(len(out)), atol=1e-4):
            return [finding("softmax-before-ce", _("the model's outputs are probabilities (rows sum to 1): a softmax "
                                                   "is applied in forward() before CrossEntropyLoss."),
                            where="model outputs")]
        if (out <= 0).all() and torch.allclose(out.logsumexp(1), torch.zeros(len(out)), atol=1e-4):
            return [finding("softmax-before-ce", _("the model's outputs are log-probabilities (log-softmax) fed to "
                                                   "CrossEntropyLoss."), where="model outputs")]
    return _activation_before_logits(last, "CrossEntropyLoss")


def _activation_before_logits(last: nn.Module | None, loss: str) -> list[Finding]:
    if isinstance(last, _ACTIVATIONS) and not isinstance(last, nn.Sigmoid):
        return [finding("activation-before-logits", _(
            "the model's last layer is {layer}; {loss} takes logits, which must be free to take any value.").format(
                layer=type(last).__name__, loss=loss), where="model")]
    return []


def check_model_state(ctx: LintContext) -> list[Finding]:
    """The model in eval mode before training; no parameter left to train."""
    if ctx.model is None:
        return []
    found = []
    params = list(ctx.model.parameters())
    if params and not any(p.requires_grad for p in params):
        found.append(finding("all-parameters-frozen", _(
            "none of the model's {n} parameter tensors requires grad: training cannot change anything.").format(
                n=len(params)), where="model"))
    switching = [m for m in ctx.model.modules() if isinstance(m, (nn.Dropout, *_BATCHNORM))]
    if not ctx.model.training and switching:
        found.append(finding("model-in-eval-mode", _(
            "the model is in eval mode: its {layer} layers would train as in inference.").format(
                layer=type(switching[0]).__name__), where="model"))
    return found


def check_optimizer(ctx: LintContext) -> list[Finding]:
    """The optimizer's parameters against the model's trainable ones."""
    if ctx.optim is None or ctx.model is None:
        return []
    given = {id(p) for group in ctx.optim.param_groups for p in group["params"]}
    named = [(n, p) for n, p in ctx.model.named_parameters() if p.requires_grad]
    missing = [n for n, p in named if id(p) not in given]
    foreign = len(given - {id(p) for _name, p in ctx.model.named_parameters()})
    found = []
    if foreign:
        found.append(finding("optimizer-params-mismatch", _(
            "the optimizer holds {n} parameter tensors that are not the model's (an optimizer built for another "
            "model, or a copy).").format(n=foreign), where="optimizer"))
    if missing:
        shown = ", ".join(missing[:4])
        if len(missing) > 4:
            shown = _("{names} and {n} more").format(names=shown, n=len(missing) - 4)
        found.append(finding("optimizer-params-mismatch", _(
            "the optimizer does not hold {names}: they will never change.").format(names=shown), where="optimizer",
            severity="error" if len(missing) == len(named) else "warning"))
    return found


def check_hyperparameters(ctx: LintContext) -> list[Finding]:
    found = []
    opt = (ctx.optimizer or "").lower()
    if ctx.lr is not None and opt in LR_RANGES:
        lo, hi = LR_RANGES[opt]
        if opt == "sgd" and ctx.batch_size and ctx.batch_size > LR_REFERENCE_BATCH:
            hi *= ctx.batch_size / LR_REFERENCE_BATCH  # the linear scaling rule (Goyal et al., 2017)
        if not lo <= ctx.lr <= hi:
            text = (_("lr={lr:g} is very high for {optimizer} (flagged outside {lo:g}..{hi:g}).") if ctx.lr > hi
                    else _("lr={lr:g} is very low for {optimizer} (flagged outside {lo:g}..{hi:g})."))
            found.append(finding("extreme-lr", text.format(lr=ctx.lr, optimizer=opt, lo=lo, hi=hi),
                                 where="optimizer"))
    wd = ctx.weight_decay
    if wd is not None and opt:
        limit = WD_LIMITS.get(opt, WD_LIMIT_L2)
        if wd < 0 or wd > limit:
            kind = _("decoupled") if opt in WD_LIMITS else _("L2 (added to the gradient)")
            text = (_("weight_decay={wd:g} for {optimizer} ({kind}) is negative.") if wd < 0
                    else _("weight_decay={wd:g} for {optimizer} ({kind}) is above {limit:g}."))
            found.append(finding("extreme-weight-decay", text.format(wd=wd, optimizer=opt, kind=kind, limit=limit),
                                 where="optimizer"))
    n_train = ctx.size("train")
    if ctx.batch_size is not None and n_train is not None and ctx.batch_size > n_train:
        found.append(finding("batch-larger-than-data", _("batch size {batch_size} > {n_train} training "
                                                         "samples.").format(batch_size=ctx.batch_size, n_train=n_train),
                             where="batch_size"))
    n_classes, valid_y = ctx.classes(), ctx.labels("valid")
    if valid_y is not None and n_classes:
        counts = np.bincount(valid_y.clip(min=0), minlength=n_classes)
        if counts.min() == 0 or len(valid_y) < 20 * n_classes:
            found.append(finding("small-valid-split", _(
                "{n} validation samples for {n_classes} classes (fewest per class: {fewest}).").format(
                    n=len(valid_y), n_classes=n_classes, fewest=counts.min()), where="valid"))
    elif ctx.valid is not None and ctx.kind() in ("regression", "arrays") and len(ctx.valid[1]) < 20:
        found.append(finding("small-valid-split", _("{n} validation samples.").format(n=len(ctx.valid[1])),
                             where="valid"))
    return found


def check_batchnorm_batches(ctx: LintContext) -> list[Finding]:
    """Batch norm in training mode needs two samples per batch: a batch of one raises, or, for a last
    batch of one, stops training with a crash in the last step of every epoch."""
    if ctx.model is None or ctx.batch_size is None:
        return []
    norms = [m for m in ctx.model.modules() if isinstance(m, _BATCHNORM)]
    if not norms:
        return []
    n = ctx.size("train")
    if ctx.batch_size == 1:
        text = _("every training batch holds one sample, and the model has {layer} layers.")
    elif n is not None and n % ctx.batch_size == 1 and not ctx.drop_last:
        text = _("{n} training samples in batches of {batch_size} leave a last batch of one sample, and the model "
                 "has {layer} layers.")
    else:
        return []
    return [finding("batchnorm-batch-of-one", text.format(n=n, batch_size=ctx.batch_size,
                                                          layer=type(norms[0]).__name__), where="batch_size")]
