"""Lint rules on the data and the protocol: order, overlaps between splits, scaling, broken inputs,
random transforms on evaluation data. Each takes a :class:`~goodfit.checks.context.LintContext`
and returns findings."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from goodfit.checks.context import LintContext, keep_random_state
from goodfit.data.explore import found_in
from goodfit.findings import Finding, finding
from goodfit.i18n import N_, _

__all__ = ["check_inputs", "check_shuffling", "check_overlaps", "check_group_overlap", "check_scaling",
           "check_eval_transforms"]

OUTLIER_SHARE = 1e-3  # train-only standardization leaves a few values beyond SCALED_LIMIT (rare pixels): scaled

# one whole sentence per split, so that each language can say it its own way
_NONFINITE = {"train": N_("{bad} train input values are NaN or inf ({share:.2%})."),
              "valid": N_("{bad} valid input values are NaN or inf ({share:.2%})."),
              "test": N_("{bad} test input values are NaN or inf ({share:.2%}).")}
_SAME_AS_TRAIN = {"test": N_("the test loader reads the training data set."),
                  "validation": N_("the validation loader reads the training data set.")}
_ALSO_IN_TRAIN = {"test": N_("{dup} test samples ({share:.1%}) also appear in the training data."),
                  "validation": N_("{dup} validation samples ({share:.1%}) also appear in the training data.")}
_GROUP_OVERLAP = {
    "valid": N_("{n} group(s) have samples in both train and validation (e.g. {examples}): the validation score "
                "flatters voices, patients or sessions the model has already seen."),
    "test": N_("{n} group(s) have samples in both train and test (e.g. {examples}): the test score flatters "
               "voices, patients or sessions the model has already seen.")}
_RANDOM_TRANSFORM = {
    "valid": N_("reading sample 0 of the valid data twice gave two different inputs: a random transform "
                "(augmentation) runs on it."),
    "test": N_("reading sample 0 of the test data twice gave two different inputs: a random transform "
               "(augmentation) runs on it.")}


def _broken(ctx: LintContext) -> bool:
    """Inputs are non-finite or constant: the value-based checks below would only echo that."""
    return bool(ctx.cache.get("nonfinite-inputs") or ctx.cache.get("constant-inputs"))


def check_inputs(ctx: LintContext) -> list[Finding]:
    """NaN / inf in the inputs of any split; training inputs with no variation at all."""
    found = []
    for split in ("train", "valid", "test"):
        summary = ctx.summary(split)
        if summary is not None and summary.nonfinite:
            ctx.cache["nonfinite-inputs"] = True
            found.append(finding("nonfinite-inputs", _(_NONFINITE[split]).format(
                bad=summary.nonfinite, share=summary.nonfinite / summary.values), where=split))
    train = ctx.summary("train")
    if train is not None and not ctx.cache.get("nonfinite-inputs") and train.identical_rows:
        ctx.cache["constant-inputs"] = True
        first = train.head[0].reshape(-1)
        found.append(finding("constant-inputs", _(
            "all {n} training inputs are identical (every value {value:g}): the model cannot tell the samples "
            "apart.").format(n=train.rows, value=float(first[0]) if len(first) else 0), where="train inputs"))
    return found


def check_shuffling(ctx: LintContext) -> list[Finding]:
    found = []
    loader = ctx.train_loader
    if loader is not None and isinstance(getattr(loader, "sampler", None), torch.utils.data.SequentialSampler):
        found.append(finding("unshuffled-train-loader", _("the training DataLoader uses a SequentialSampler: every "
                                                          "epoch sees the same order."), where="train_loader"))
    y = ctx.labels("train")  # in the loader's order
    if loader is not None and y is not None and len(y):
        longest = _longest_run(y)
        n_classes = max(int(y.max()) + 1, 2)
        if longest > max(10, 3 * len(y) / n_classes / 10):
            found.append(finding("sorted-labels", _(
                "the training data come in runs of one class (longest: {longest} samples in a row).").format(
                    longest=longest), where="train_loader"))
    elif loader is not None and ctx.kind() == "regression" and (t := ctx.targets("train")) is not None and len(t) > 20:
        t = t.reshape(len(t), -1)[:, 0].double()
        rising = float((t[1:] >= t[:-1]).double().mean())
        if rising > 0.95 or rising < 0.05:
            found.append(finding("sorted-labels", _(
                "the training targets come sorted ({rising:.0%} of neighbours in increasing order).").format(
                    rising=rising), where="train_loader"))
    return found


def _longest_run(y: np.ndarray) -> int:
    if len(y) == 0:
        return 0
    change = np.flatnonzero(np.diff(y) != 0)
    bounds = np.concatenate([[-1], change, [len(y) - 1]])
    return int(np.diff(bounds).max())


def _hashes(ctx: LintContext, split: str) -> np.ndarray | None:
    summary = ctx.summary(split)
    return summary.hashes if summary is not None else None


def _same_data(a: Any, b: Any) -> bool:
    return a is not None and b is not None and (a is b or getattr(a, "dataset", 0) is getattr(b, "dataset", 1))


def check_overlaps(ctx: LintContext) -> list[Finding]:
    """Every pair of splits: the test set used as the validation set, and samples two splits share."""
    if _broken(ctx):
        return []
    found = []
    hv, ht, htr = _hashes(ctx, "valid"), _hashes(ctx, "test"), _hashes(ctx, "train")
    valid_in_test = float(found_in(hv, ht).mean()) if hv is not None and ht is not None and len(hv) else 0.0
    same = _same_data(ctx.valid_loader, ctx.test_loader)
    if same or valid_in_test > 0.5:
        text = (_("the validation loader is the test loader.") if same else _(
            "the validation data are the test data ({share:.0%} of validation samples are test samples)."))
        found.append(finding("test-as-valid", text.format(share=valid_in_test), where="valid_loader"))
    elif valid_in_test > 0:
        found.append(finding("valid-test-overlap", _(
            "{share:.1%} of the validation samples are also test samples.").format(share=valid_in_test),
            where="valid"))
    if ctx.test_evaluations is not None and ctx.test_evaluations > 1:
        found.append(finding("test-reused", _("the test set was evaluated {n} times.").format(
            n=ctx.test_evaluations), where="metrics.json"))
    for split, hashes, fid in (("test", ht, "train-test-overlap"), ("validation", hv, "train-valid-overlap")):
        if htr is None or hashes is None or not len(hashes):
            continue
        if _same_data(ctx.train_loader, ctx.valid_loader if split == "validation" else ctx.test_loader):
            found.append(finding(fid, _(_SAME_AS_TRAIN[split]), where=split))
            continue
        dup = int(found_in(hashes, htr).sum())
        if dup:
            found.append(finding(fid, _(_ALSO_IN_TRAIN[split]).format(dup=dup, share=dup / len(hashes)),
                                 where=split))
    return found


def check_group_overlap(ctx: LintContext) -> list[Finding]:
    """A group (a speaker, a patient, a session) with samples in train and in validation or test."""
    groups = ctx.groups or {}
    train = groups.get("train")
    if train is None or not len(train):
        return []
    seen = set(np.asarray(train).tolist())
    found = []
    for split in ("valid", "test"):
        other = groups.get(split)
        if other is None:
            continue
        shared = sorted(seen & set(np.asarray(other).tolist()), key=str)
        if shared:
            found.append(finding("group-overlap", _(_GROUP_OVERLAP[split]).format(
                n=len(shared), examples=", ".join(map(str, shared[:3]))), where=split))
    return found


def check_scaling(ctx: LintContext) -> list[Finding]:
    train = ctx.summary("train")
    if train is None or not train.floating or _broken(ctx):
        return []
    found = []
    n_tr, (m_tr, s_tr, lo, hi) = train.finite_values, train.moments()
    integral = train.integral
    if train.beyond > OUTLIER_SHARE * train.values or (integral and lo >= 0 and hi > 2):
        text = (_("training inputs range over {lo:g}..{hi:g} (integers, like raw pixels).") if integral
                else _("training inputs range over {lo:g}..{hi:g}."))
        found.append(finding("unscaled-inputs", text.format(lo=lo, hi=hi), where="train inputs"))
    test = ctx.summary("test")
    if test is not None and test.floating and test.finite_values:
        n_te, (m_te, s_te, lo_te, hi_te) = test.finite_values, test.moments()
        n = n_tr + n_te  # pooled moments of train + test, without concatenating them
        m_all = (n_tr * m_tr + n_te * m_te) / n
        s_all = math.sqrt(max((n_tr * (s_tr**2 + m_tr**2) + n_te * (s_te**2 + m_te**2)) / n - m_all**2, 0.0))
        both_range = (min(lo, lo_te), max(hi, hi_te))
        standardized_on_all = abs(m_all) < 1e-3 and abs(s_all - 1) < 1e-3 and (abs(m_tr) > 5e-3 or abs(s_tr - 1) > 5e-3)
        ranged_on_all = both_range in ((0.0, 1.0), (-1.0, 1.0)) and (lo, hi) != both_range
        if standardized_on_all or ranged_on_all:
            found.append(finding("scaling-leak", _(
                "the inputs look scaled with statistics of train+test together (train mean {train_mean:.3f}, std "
                "{train_std:.3f}; all data mean {all_mean:.3f}, std {all_std:.3f}).").format(
                    train_mean=m_tr, train_std=s_tr, all_mean=m_all, all_std=s_all), where="preprocessing"))
    return found


def check_eval_transforms(ctx: LintContext) -> list[Finding]:
    """A random transform (augmentation) on a validation or test set: two reads of one sample differ."""
    found = []
    for name, loader in (("valid_loader", ctx.valid_loader), ("test_loader", ctx.test_loader)):
        dataset = getattr(loader, "dataset", None)
        if not hasattr(dataset, "__getitem__") or isinstance(dataset, torch.utils.data.IterableDataset):
            continue
        try:
            with keep_random_state():
                first, second = dataset[0], dataset[0]
        except Exception:  # an empty or unusual data set: nothing to compare
            continue
        a, b = _first_tensor(first), _first_tensor(second)
        if a is not None and b is not None and a.shape == b.shape and not torch.equal(a, b):
            found.append(finding("random-eval-transform", _(_RANDOM_TRANSFORM[name.split("_")[0]]), where=name))
    return found


def _first_tensor(item: Any) -> torch.Tensor | None:
    value = item[0] if isinstance(item, (tuple, list)) and item else item
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        return None
