"""Lint rules on the targets: labels against the model's outputs and the loss, class balance, and the
untrained model's loss against the no-skill level (Karpathy: "verify loss @ init")."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.context import LintContext, ln_classes, probe_outputs
from goodfit.findings import Finding, finding

__all__ = ["check_targets", "check_labels", "check_initial_loss"]


def _is_ce(loss_fn: object) -> bool:
    return loss_fn is None or isinstance(loss_fn, nn.CrossEntropyLoss) or loss_fn is F.cross_entropy


IMBALANCE = {"classification": 1.5, "binary": 4.0}  # largest / smallest class; AUROC and AP take more


def check_targets(ctx: LintContext) -> list[Finding]:
    """Targets against the loss: float or one-hot labels for cross-entropy, class indices for MSE."""
    data = ctx.train or ctx.valid or ctx.test
    if data is None or ctx.loss_fn is None:
        return []
    y, kind = data[1], ctx.kind()
    if kind == "classification" and y.is_floating_point():
        if y.ndim == 2 and y.shape[1] > 1:
            return [finding("targets-loss-mismatch", f"the targets are one-hot / probability rows {tuple(y.shape[1:])} "
                            "for cross-entropy.", where="targets", severity="warning",
                            fix="Pass class indices (y.argmax(1)); keep soft targets only on purpose.")]
        return [finding("targets-loss-mismatch", "the targets are floats but cross-entropy needs integer class "
                        "indices (torch raises 'expected scalar type Long').", where="targets",
                        fix="Convert the labels with y.long(); for real-valued targets use MSELoss.")]
    if kind == "regression" and not y.is_floating_point():
        return [finding("targets-loss-mismatch", "the targets are integers (class indices?) but the loss is a "
                        "regression loss.", where="targets", severity="warning",
                        fix="For classes use CrossEntropyLoss and one output per class; for values, y.float().")]
    return []


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
            found.append(finding("labels-out-of-range", f"{split} labels span {int(y.min())}..{int(y.max())} "
                                 f"but the model has {n_out} outputs.", where=split))
    if n_out is not None and n_classes is not None and n_out != n_classes:
        found.append(finding("wrong-output-units", f"the model has {n_out} outputs for {n_classes} classes.",
                             where="last layer", severity="error" if n_out < n_classes else "warning"))
    return found + _check_balance(ctx)


def _check_output_shape(ctx: LintContext, out: torch.Tensor) -> list[Finding]:
    """Binary, regression and array targets: the model's output per sample must have the target's shape."""
    y = (ctx.train or ctx.valid or ctx.test)[1]
    got, want = tuple(out.shape[1:]), tuple(y.shape[1:])
    if ctx.kind() == "binary":
        bad = [split for split in ("train", "valid", "test") if getattr(ctx, split) is not None
               and not bool(torch.isin(getattr(ctx, split)[1], torch.tensor([0, 1], dtype=y.dtype)).all())]
        found = [finding("labels-out-of-range", f"{bad[0]} targets of a binary loss must be 0 or 1.", where=bad[0])
                 ] if bad else []
        if got not in ((1,), ()) and got != want:
            found.append(finding("wrong-output-units", f"the model outputs {got} per sample; a binary loss needs "
                                 "one logit.", where="last layer",
                                 fix="Give the last layer out_features=1 (or CrossEntropyLoss with 2 outputs)."))
        return found + _check_balance(ctx)
    if got != want and not (got == (1,) and want == ()) and not (got == () and want == (1,)):
        return [finding("wrong-output-units", f"the model outputs {got} per sample but the targets are {want}.",
                        where="last layer", fix="Make the last layer produce the target's shape.")]
    return []


def _check_balance(ctx: LintContext) -> list[Finding]:
    y = ctx.labels("train")
    if y is None or not len(y):
        return []
    counts = np.bincount(y.clip(min=0))
    present = counts[counts > 0]
    if len(present) > 1 and present.max() / present.min() > IMBALANCE[ctx.kind()]:
        base = present.max() / counts.sum()
        return [finding("class-imbalance", f"the largest class has {present.max() / present.min():.1f}x "
                        f"the samples of the smallest; always predicting it scores {base:.1%} "
                        "(the majority baseline).", where="train")]
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
        return [finding("initial-loss", f"the untrained model's loss is {loss:.3g}; a uniform guess over its {n} "
                        f"outputs scores ln({n}) = {ref:.3f}.", where="model init")]
    return []
