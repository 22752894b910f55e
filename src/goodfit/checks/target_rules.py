"""Lint rules on the targets: labels against the model's outputs and the loss, class balance, and the
untrained model's loss against the no-skill level (Karpathy: "verify loss @ init")."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.context import LintContext, ln_classes, probe_outputs
from goodfit.findings import Finding, finding
from goodfit.i18n import N_, _

__all__ = ["check_targets", "check_labels", "check_initial_loss", "check_loss_shapes"]


def _is_ce(loss_fn: object) -> bool:
    return loss_fn is None or isinstance(loss_fn, nn.CrossEntropyLoss) or loss_fn is F.cross_entropy


IMBALANCE = {"classification": 1.5, "binary": 4.0}  # largest / smallest class; AUROC and AP take more

# one whole sentence per split, so that each language can say it its own way
_LABEL_SPAN = {"train": N_("train labels span {lo}..{hi} but the model has {n_out} outputs."),
               "valid": N_("valid labels span {lo}..{hi} but the model has {n_out} outputs."),
               "test": N_("test labels span {lo}..{hi} but the model has {n_out} outputs.")}
_NOT_BINARY = {"train": N_("train targets of a binary loss must be 0 or 1."),
               "valid": N_("valid targets of a binary loss must be 0 or 1."),
               "test": N_("test targets of a binary loss must be 0 or 1.")}


def check_targets(ctx: LintContext) -> list[Finding]:
    """Targets against the loss: float or one-hot labels for cross-entropy, class indices for MSE."""
    data = ctx.train or ctx.valid or ctx.test
    if data is None or ctx.loss_fn is None:
        return []
    y, kind = data[1], ctx.kind()
    if kind == "classification" and y.is_floating_point() and not _is_ce(ctx.loss_fn):
        return [finding("targets-loss-mismatch", _(
            "the task is classification but the loss is {loss}, a regression loss.").format(
                loss=_loss_name(ctx.loss_fn)), where="loss",
            fix=_("Use CrossEntropyLoss with one output per class and integer labels."))]
    if kind == "classification" and y.is_floating_point():
        if y.ndim == 2 and y.shape[1] > 1:
            return [finding("targets-loss-mismatch", _(
                "the targets are one-hot / probability rows {shape} for cross-entropy.").format(
                    shape=tuple(y.shape[1:])), where="targets", severity="warning",
                fix=_("Pass class indices (y.argmax(1)); keep soft targets only on purpose."))]
        return [finding("targets-loss-mismatch", _(
            "the targets are floats but cross-entropy needs integer class indices (torch raises 'expected scalar "
            "type Long')."), where="targets",
            fix=_("Convert the labels with y.long(); for real-valued targets use MSELoss."))]
    if kind == "regression" and not y.is_floating_point():
        return [finding("targets-loss-mismatch", _(
            "the targets are integers (class indices?) but the loss is a regression loss."), where="targets",
            severity="warning", fix=_("For classes use CrossEntropyLoss and one output per class; for values, "
                                      "y.float()."))]
    if kind == "regression" and _class_like(y):
        k = int(y.max()) + 1
        return [finding("targets-loss-mismatch", _(
            "the targets are exactly the whole numbers 0..{last}, as class indices are, and the loss is a "
            "regression loss: it treats the classes as points on a line (class 9 'close to' class 8).").format(
                last=k - 1), where="targets", severity="warning",
            fix=_("If these are {k} classes: CrossEntropyLoss, {k} outputs, y.long(); if they are counts or "
                  "grades, keep the regression loss.").format(k=k))]
    return []


def _class_like(y: torch.Tensor) -> bool:
    """Float targets that are the integers 0..K-1, every one present, for 3 <= K <= 100: how class
    labels look (grades like 3..8 or counts with gaps do not)."""
    flat = y.reshape(-1)
    if flat.numel() < 20 or not bool((flat == flat.round()).all()):
        return False
    values = torch.unique(flat)
    return 3 <= len(values) <= 100 and bool((values == torch.arange(len(values), dtype=values.dtype)).all())


def _loss_name(loss_fn: object) -> str:
    return type(loss_fn).__name__ if isinstance(loss_fn, nn.Module) else getattr(loss_fn, "__name__", _("this loss"))


def check_labels(ctx: LintContext) -> list[Finding]:
    found = []
    out = probe_outputs(ctx)
    if out is None or ctx.kind() is None:
        return found
    if ctx.kind() in ("regression", "arrays", "binary"):
        return _check_output_shape(ctx, out)
    n_out = int(out.shape[1]) if out.ndim == 2 else None
    n_classes = ctx.classes()
    for split in ("train", "valid", "test"):
        y = ctx.labels(split)
        if y is None or n_out is None or not len(y):
            continue
        if int(y.min()) < 0 or int(y.max()) >= n_out:
            found.append(finding("labels-out-of-range", _(_LABEL_SPAN[split]).format(
                lo=int(y.min()), hi=int(y.max()), n_out=n_out), where=split))
    if n_out is not None and n_classes is not None and n_out != n_classes:
        found.append(finding("wrong-output-units", _("the model has {n_out} outputs for {n_classes} classes.").format(
            n_out=n_out, n_classes=n_classes), where="last layer",
            severity="error" if n_out < n_classes else "warning"))
    return found + _check_balance(ctx)


def _check_output_shape(ctx: LintContext, out: torch.Tensor) -> list[Finding]:
    """Binary, regression and array targets: the model's output per sample must have the target's shape."""
    y = (ctx.train or ctx.valid or ctx.test)[1]
    got, want = tuple(out.shape[1:]), tuple(y.shape[1:])
    if ctx.kind() == "binary":
        bad = [split for split in ("train", "valid", "test") if (t := ctx.targets(split)) is not None
               and not bool(torch.isin(t, torch.tensor([0, 1], dtype=t.dtype)).all())]
        found = [finding("labels-out-of-range", _(_NOT_BINARY[bad[0]]), where=bad[0])] if bad else []
        if got not in ((1,), ()) and got != want:
            found.append(finding("wrong-output-units", _(
                "the model outputs {got} per sample; a binary loss needs one logit.").format(got=got),
                where="last layer", fix=_("Give the last layer out_features=1 (or CrossEntropyLoss with 2 outputs).")))
        elif got != want or ctx.loss_inputs is not None:
            found += _loss_shapes(ctx, out)
        return found + _check_balance(ctx)
    if got != want and not (got == (1,) and want == ()) and not (got == () and want == (1,)):
        return [finding("wrong-output-units", _(
            "the model outputs {got} per sample but the targets are {want}.").format(got=got, want=want),
            where="last layer", fix=_("Make the last layer produce the target's shape."))]
    if got != want or ctx.loss_inputs is not None:
        return _loss_shapes(ctx, out)
    return []


def _loss_shapes(ctx: LintContext, out: torch.Tensor) -> list[Finding]:
    """The pair the loss really received when it is known (goodfit watch); else the model's output next
    to the loader's targets: (N, 1) against (N,) is fine if the training loop reshapes, wrong if not."""
    if ctx.loss_inputs is not None:
        return check_loss_shapes(ctx.loss_fn, *ctx.loss_inputs)
    return check_loss_shapes(ctx.loss_fn, out, ctx.probe()[1], certain=False)


ELEMENTWISE = (nn.MSELoss, nn.L1Loss, nn.HuberLoss, nn.SmoothL1Loss, nn.BCEWithLogitsLoss, nn.BCELoss)
ELEMENTWISE_FUNCTIONS = ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
                         "binary_cross_entropy_with_logits")


def check_loss_shapes(loss_fn: object, output: torch.Tensor, target: torch.Tensor, *,
                      certain: bool = True) -> list[Finding]:
    """An element-wise loss (MSE, L1, Huber, BCE) given an output and a target of different shapes:
    torch broadcasts (N, 1) against (N,) to (N, N) and compares every output with every target (with
    only a UserWarning), or raises for BCE. ``certain``: the pair really went into the loss (goodfit
    watch) rather than the model's output next to the loader's targets (the lint)."""
    if not (isinstance(loss_fn, ELEMENTWISE) or getattr(loss_fn, "__name__", None) in ELEMENTWISE_FUNCTIONS):
        return []
    if not certain and isinstance(loss_fn, (nn.BCEWithLogitsLoss, nn.BCELoss)):
        return []  # torch raises on unequal shapes here: not a silent bug, and the loop may reshape
    if not isinstance(output, torch.Tensor) or not isinstance(target, torch.Tensor) or output.shape == target.shape:
        return []
    if output.numel() != target.numel():
        return []  # a real shape mismatch: torch raises, or wrong-output-units names it
    try:
        both = tuple(torch.broadcast_shapes(output.shape, target.shape))
    except RuntimeError:
        return []  # torch raises on this pair: the script's own error says it
    got, want = tuple(output.shape), tuple(target.shape)
    text = (_("{loss} is given outputs of shape {got} and targets of shape {want}: torch broadcasts them to {both} "
              "and compares every output with every target.") if certain else
            _("{loss} would be given, unless the training loop reshapes them, outputs of shape {got} and targets of "
              "shape {want}: torch broadcasts them to {both} and compares every output with every target."))
    return [finding("wrong-output-units", text.format(loss=_loss_name(loss_fn), got=got, want=want, both=both),
                    where="loss", severity="error" if certain else "warning",
                    fix=_("Give the loss equal shapes: loss_fn(out.squeeze(1), y) or loss_fn(out, y.unsqueeze(1)).")
                    )]


def _check_balance(ctx: LintContext) -> list[Finding]:
    y = ctx.labels("train")
    if y is None or not len(y):
        return []
    counts = np.bincount(y.clip(min=0))
    present = counts[counts > 0]
    if len(present) > 1 and present.max() / present.min() > IMBALANCE[ctx.kind()]:
        base = present.max() / counts.sum()
        return [finding("class-imbalance", _(
            "the largest class has {ratio:.1f}x the samples of the smallest; always predicting it scores "
            "{baseline:.1%} (the majority baseline).").format(ratio=present.max() / present.min(), baseline=base),
            where="train")]
    return []


def check_initial_loss(ctx: LintContext) -> list[Finding]:
    """The untrained model's loss against a uniform guess over its outputs (ln C for C logits, ln 2
    for one binary logit)."""
    out, probe = probe_outputs(ctx), ctx.probe()
    if out is None or probe is None or out.ndim != 2 or ctx.labels("train") is None:
        return []
    y = probe[1].reshape(len(probe[1]), -1)[:, 0]
    if ctx.kind() == "binary" and out.shape[1] == 1 and isinstance(ctx.loss_fn, nn.BCEWithLogitsLoss):
        loss, n = float(F.binary_cross_entropy_with_logits(out[:, 0], y.float())), 2
    elif ctx.kind() == "classification" and _is_ce(ctx.loss_fn) and out.shape[1] >= 2:
        if int(y.min()) < 0 or int(y.max()) >= out.shape[1]:
            return []  # reported as labels-out-of-range
        loss, n = float(F.cross_entropy(out, y.long())), out.shape[1]
    else:
        return []
    ref = ln_classes(n)
    if not np.isfinite(loss) or loss > 1.5 * ref + 0.5 or loss < 0.5 * ref:
        return [finding("initial-loss", _(
            "the untrained model's loss is {loss:.3g}; a uniform guess over its {n} outputs scores ln({n}) = "
            "{reference:.3f}.").format(loss=loss, n=n, reference=ref), where="model init")]
    return []
