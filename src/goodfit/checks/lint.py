"""The pitfall lint: course mistakes found before a single step of training.

Run it on goodfit's own pipeline (``goodfit check``, and automatically at the start of ``goodfit
train``) or on your own PyTorch model and DataLoaders:

    >>> import torch, goodfit
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> x, y = torch.rand(64, 4), torch.arange(64) % 2
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Softmax(dim=1))
    >>> found = goodfit.check(model=model, train_loader=DataLoader(TensorDataset(x, y), batch_size=8))
    >>> sorted({f.id for f in found})
    ['softmax-before-ce', 'unshuffled-train-loader']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.probe import LintContext, ln_classes, loader_arrays, probe_outputs
from goodfit.data.scaling import mean_std
from goodfit.errors import ConfigError
from goodfit.findings import Finding, finding

__all__ = ["check", "run_lint", "LINT_CHECKS"]


def _is_ce(loss_fn: Any) -> bool:
    return loss_fn is None or isinstance(loss_fn, nn.CrossEntropyLoss) or loss_fn is F.cross_entropy


def check_softmax(ctx: LintContext) -> list[Finding]:
    if ctx.model is None:
        return []
    leaves = [m for m in ctx.model.modules() if not list(m.children())]
    if isinstance(ctx.loss_fn, nn.BCEWithLogitsLoss) or ctx.loss_fn is F.binary_cross_entropy_with_logits:
        if leaves and isinstance(leaves[-1], nn.Sigmoid):
            return [finding("sigmoid-before-bce", "the model's last layer is Sigmoid and the loss is "
                            "BCEWithLogitsLoss, which applies the sigmoid itself.", where="model")]
        return []
    if not _is_ce(ctx.loss_fn) or ctx.kind() != "classification":
        return []
    if leaves and isinstance(leaves[-1], (nn.Softmax, nn.LogSoftmax)):
        return [finding("softmax-before-ce", f"the model's last layer is {type(leaves[-1]).__name__} and the "
                        "loss is CrossEntropyLoss, which applies log-softmax itself.", where="model")]
    out = probe_outputs(ctx)
    if out is None or out.ndim != 2 or out.shape[1] < 2:
        return []
    if (out >= 0).all() and torch.allclose(out.sum(1), torch.ones(len(out)), atol=1e-4):
        return [finding("softmax-before-ce", "the model's outputs are probabilities (rows sum to 1): a softmax "
                        "is applied in forward() before CrossEntropyLoss.", where="model outputs")]
    if (out <= 0).all() and torch.allclose(out.logsumexp(1), torch.zeros(len(out)), atol=1e-4):
        return [finding("softmax-before-ce", "the model's outputs are log-probabilities (log-softmax) fed to "
                        "CrossEntropyLoss.", where="model outputs")]
    return []


def check_shuffling(ctx: LintContext) -> list[Finding]:
    found = []
    loader = ctx.train_loader
    if loader is not None and isinstance(getattr(loader, "sampler", None), torch.utils.data.SequentialSampler):
        found.append(finding("unshuffled-train-loader", "the training DataLoader uses a SequentialSampler: "
                             "every epoch sees the same order.", where="train_loader"))
    y = ctx.labels("train")  # in the loader's order
    if loader is not None and y is not None and len(y):
        longest = _longest_run(y)
        n_classes = max(int(y.max()) + 1, 2)
        if longest > max(10, 3 * len(y) / n_classes / 10):
            found.append(finding("sorted-labels", f"the training data come in runs of one class "
                                 f"(longest: {longest} samples in a row).", where="train_loader"))
    elif loader is not None and ctx.kind() == "regression" and ctx.train is not None and len(ctx.train[1]) > 20:
        t = ctx.train[1].reshape(len(ctx.train[1]), -1)[:, 0].double()
        rising = float((t[1:] >= t[:-1]).double().mean())
        if rising > 0.95 or rising < 0.05:
            found.append(finding("sorted-labels", f"the training targets come sorted ({rising:.0%} of neighbours "
                                 "in increasing order).", where="train_loader"))
    return found


def _longest_run(y: np.ndarray) -> int:
    if len(y) == 0:
        return 0
    change = np.flatnonzero(np.diff(y) != 0)
    bounds = np.concatenate([[-1], change, [len(y) - 1]])
    return int(np.diff(bounds).max())


def _hashes(ctx: LintContext, split: str) -> np.ndarray | None:
    data = getattr(ctx, split)
    if data is None:
        return None
    key = f"hash-{split}"
    if key not in ctx.cache:
        from goodfit.data.explore import row_hashes

        ctx.cache[key] = row_hashes(data[0].contiguous().numpy())
    return ctx.cache[key]


def check_test_use(ctx: LintContext) -> list[Finding]:
    found = []
    same_loader = ctx.valid_loader is not None and ctx.valid_loader is ctx.test_loader
    same_set = (ctx.valid_loader is not None and ctx.test_loader is not None
                and getattr(ctx.valid_loader, "dataset", 0) is getattr(ctx.test_loader, "dataset", 1))
    hv, ht = _hashes(ctx, "valid"), _hashes(ctx, "test")
    overlap = float(np.isin(hv, ht).mean()) if hv is not None and ht is not None and len(hv) else 0.0
    if same_loader or same_set or overlap > 0.5:
        found.append(finding("test-as-valid", f"the validation data are the test data ({overlap:.0%} of "
                             "validation samples are test samples)." if not (same_loader or same_set) else
                             "the validation loader is the test loader.", where="valid_loader"))
    if ctx.test_evaluations is not None and ctx.test_evaluations > 1:
        found.append(finding("test-reused", f"the test set was evaluated {ctx.test_evaluations} times.",
                             where="metrics.json"))
    htr = _hashes(ctx, "train")
    if htr is not None and ht is not None:
        dup = int(np.isin(ht, htr).sum())
        if dup:
            found.append(finding("train-test-overlap", f"{dup} test samples ({dup / len(ht):.1%}) also appear "
                                 "in the training data.", where="test"))
    return found


def _moments(x: torch.Tensor) -> tuple[int, float, float, float, float]:
    """(count, mean, std, min, max) of all values, with float64 accumulators and no full-size copy."""
    a = x.detach().cpu().numpy()
    mean, std = mean_std(a, tuple(range(a.ndim)))
    return a.size, float(mean.item()), float(std.item()), float(a.min()), float(a.max())


def check_scaling(ctx: LintContext) -> list[Finding]:
    if ctx.train is None or not ctx.train[0].is_floating_point():
        return []
    x = ctx.train[0]
    found = []
    n_tr, m_tr, s_tr, lo, hi = _moments(x)
    integral = bool(torch.equal(x[: 2048], x[: 2048].round()))
    if hi > 20 or (integral and lo >= 0 and hi > 2):
        found.append(finding("unscaled-inputs", f"training inputs range over {lo:g}..{hi:g}"
                             f"{' (integers, like raw pixels)' if integral else ''}.", where="train inputs"))
    if ctx.test is not None:
        n_te, m_te, s_te, lo_te, hi_te = _moments(ctx.test[0])
        n = n_tr + n_te  # pooled moments of train + test, without concatenating them
        m_all = (n_tr * m_tr + n_te * m_te) / n
        s_all = math.sqrt(max((n_tr * (s_tr**2 + m_tr**2) + n_te * (s_te**2 + m_te**2)) / n - m_all**2, 0.0))
        both_range = (min(lo, lo_te), max(hi, hi_te))
        standardized_on_all = abs(m_all) < 1e-3 and abs(s_all - 1) < 1e-3 and (abs(m_tr) > 5e-3 or abs(s_tr - 1) > 5e-3)
        ranged_on_all = both_range in ((0.0, 1.0), (-1.0, 1.0)) and (lo, hi) != both_range
        if standardized_on_all or ranged_on_all:
            found.append(finding("scaling-leak", "the inputs look scaled with statistics of train+test together "
                                 f"(train mean {m_tr:.3f}, std {s_tr:.3f}; "
                                 f"all data mean {m_all:.3f}, std {s_all:.3f}).",
                                 where="preprocessing"))
    return found


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


def check_evaluation(ctx: LintContext) -> list[Finding]:
    if ctx.evaluate_fn is None or ctx.model is None:
        return []
    data = ctx.valid or ctx.test or ctx.train
    if data is None:
        return []
    seen: list[tuple[bool, bool]] = []
    hook = ctx.model.register_forward_pre_hook(lambda m, a: seen.append((m.training, torch.is_grad_enabled())))
    was_training = ctx.model.training
    ctx.model.train()  # as after a training epoch: evaluation must switch to eval mode itself
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data[0][:64], data[1][:64]), batch_size=32)
    try:
        ctx.evaluate_fn(ctx.model, loader)
    finally:
        hook.remove()
        ctx.model.train(was_training)
    found = []
    if any(training for training, _ in seen):
        found.append(finding("eval-in-train-mode", "the evaluation function ran the model in train mode "
                             "(dropout and batch norm behave as in training).", where="evaluate_fn"))
    if any(grad for _, grad in seen):
        found.append(finding("eval-with-grad", "the evaluation function ran with autograd enabled.",
                             where="evaluate_fn"))
    return found


def check_penalty(ctx: LintContext) -> list[Finding]:
    if ctx.penalty_fn is None or ctx.model is None:
        return []
    from goodfit.train.penalties import l1_penalty, weight_tensors

    try:
        value = ctx.penalty_fn(ctx.model)
    except Exception as exc:  # the classic torch.norm(model.parameters(), 1) raises TypeError
        return [finding("broken-l1", f"the penalty raises {type(exc).__name__}: {str(exc).splitlines()[0]}",
                        where="penalty_fn")]
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        return [finding("broken-l1", "the penalty is not a differentiable tensor of the weights: it penalizes "
                        "nothing.", where="penalty_fn")]
    weights = weight_tensors(ctx.model)
    grads = torch.autograd.grad(value, weights, allow_unused=True)
    if all(g is None or not g.abs().sum() for g in grads):
        return [finding("broken-l1", "the penalty's gradient with respect to every weight is zero: it "
                        "penalizes nothing.", where="penalty_fn")]
    reference, got = l1_penalty(ctx.model).item(), value.detach().item()
    if abs(got - reference) > 0.01 * max(reference, 1e-12):
        return [finding("broken-l1", f"the penalty is {got:.4g}, but sum(|w|) over weight tensors is "
                        f"{reference:.4g}: it penalizes other tensors (biases, norm layers) or a different norm.",
                        where="penalty_fn", severity="warning")]
    return []


_LR_RANGES = {"adam": (1e-5, 0.05), "adamw": (1e-5, 0.05), "sgd": (1e-4, 1.0)}


def check_hyperparameters(ctx: LintContext) -> list[Finding]:
    found = []
    opt = (ctx.optimizer or "").lower()
    if ctx.lr is not None and opt in _LR_RANGES:
        lo, hi = _LR_RANGES[opt]
        if not lo <= ctx.lr <= hi:
            side = "high" if ctx.lr > hi else "low"
            found.append(finding("extreme-lr", f"lr={ctx.lr:g} is very {side} for {opt} (flagged outside "
                                 f"{lo:g}..{hi:g}).", where="optimizer"))
    n_train = len(ctx.train[1]) if ctx.train is not None else None
    if ctx.batch_size is not None and n_train is not None and ctx.batch_size > n_train:
        found.append(finding("batch-larger-than-data", f"batch size {ctx.batch_size} > {n_train} training "
                             "samples.", where="batch_size"))
    n_classes, valid_y = ctx.classes(), ctx.labels("valid")
    if valid_y is not None and n_classes:
        counts = np.bincount(valid_y.clip(min=0), minlength=n_classes)
        if counts.min() == 0 or len(valid_y) < 20 * n_classes:
            found.append(finding("small-valid-split", f"{len(valid_y)} validation samples for {n_classes} "
                                 f"classes (fewest per class: {counts.min()}).", where="valid"))
    elif ctx.valid is not None and ctx.kind() in ("regression", "arrays") and len(ctx.valid[1]) < 20:
        found.append(finding("small-valid-split", f"{len(ctx.valid[1])} validation samples.", where="valid"))
    return found


def check_initial_loss(ctx: LintContext) -> list[Finding]:
    out, probe = probe_outputs(ctx), ctx.probe()
    n_classes = ctx.classes()
    if out is None or probe is None or not n_classes or out.ndim != 2 or ctx.labels("train") is None:
        return []
    y = probe[1].reshape(len(probe[1]), -1)[:, 0]
    if ctx.kind() == "binary" and out.shape[1] == 1 and isinstance(ctx.loss_fn, nn.BCEWithLogitsLoss):
        loss, ref = float(F.binary_cross_entropy_with_logits(out[:, 0], y.float())), ln_classes(2)
    elif ctx.kind() == "classification" and _is_ce(ctx.loss_fn):
        if int(y.min()) < 0 or int(y.max()) >= out.shape[1]:
            return []  # reported as labels-out-of-range
        loss, ref = float(F.cross_entropy(out, y.long())), ln_classes(n_classes)
    else:
        return []
    if not np.isfinite(loss) or loss > 1.5 * ref + 0.5 or loss < 0.5 * ref:
        return [finding("initial-loss", f"the untrained model's loss is {loss:.3g}; for {n_classes} classes "
                        f"expect about ln({n_classes}) = {ref:.3f}.", where="model init")]
    return []


LINT_CHECKS: tuple[Callable[[LintContext], list[Finding]], ...] = (
    check_softmax, check_shuffling, check_test_use, check_scaling, check_targets, check_labels,
    check_evaluation, check_penalty, check_hyperparameters, check_initial_loss,
)


def run_lint(ctx: LintContext, *, skip: tuple[Callable[[LintContext], list[Finding]], ...] = ()) -> list[Finding]:
    """All lint checks on one context (but those in ``skip``, which cannot fire by construction)."""
    return [f for chk in LINT_CHECKS if chk not in skip for f in chk(ctx)]


def check(
    *,
    model: nn.Module | None = None,
    train_loader: Any = None,
    valid_loader: Any = None,
    test_loader: Any = None,
    loss_fn: Callable | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    n_classes: int | None = None,
    task: str | None = None,
    penalty_fn: Callable[[nn.Module], torch.Tensor] | None = None,
    evaluate_fn: Callable[[nn.Module, Any], Any] | None = None,
) -> list[Finding]:
    """Lint your own PyTorch model, loaders, loss and optimizer for the course's classic pitfalls.

    The kind of targets (``task``: classification, binary, regression or arrays) is inferred from
    the loss and the targets unless given. ``penalty_fn(model)`` is checked as a regularization
    penalty (e.g. your L1); ``evaluate_fn(model, loader)`` is called on a small probe loader to see
    how it evaluates.
    """
    if task not in (None, "classification", "binary", "regression", "arrays"):
        raise ConfigError(f"task={task!r}: choose classification, binary, regression or arrays (or leave it None)")
    ctx = LintContext(
        model=model, loss_fn=loss_fn, train=loader_arrays(train_loader), valid=loader_arrays(valid_loader),
        test=loader_arrays(test_loader), train_loader=train_loader, valid_loader=valid_loader,
        test_loader=test_loader, n_classes=n_classes, task=task, penalty_fn=penalty_fn, evaluate_fn=evaluate_fn,
        batch_size=getattr(train_loader, "batch_size", None),
    )
    if optimizer is not None:
        ctx.optimizer = type(optimizer).__name__.lower()
        ctx.lr = float(optimizer.param_groups[0]["lr"])
    return run_lint(ctx)
