"""What ``goodfit watch`` concludes, and when: the lint's rules applied to what the observer saw.

- at the first optimizer step: the model, its output layer and mode, the loss against the targets,
  the optimizer (its parameters, learning rate, weight decay), batch norm against the batch size,
  and the probe pass; the training monitors start here;
- after a training loader's first full pass: the data (NaN, constant inputs, order, scaling, labels),
  on the observer's worker thread (:func:`training_data_checks` returns the work to do there);
- after an evaluation loader's first pass: how the model was evaluated (eval mode, no autograd) and
  random transforms on it, at once; the samples it shares with the training data, on the worker;
- at the end: the monitors' verdicts, and a test set that was evaluated while training went on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from goodfit.checks.context import LintContext
from goodfit.checks.data_rules import (
    check_eval_transforms,
    check_inputs,
    check_overlaps,
    check_scaling,
    check_shuffling,
)
from goodfit.checks.model_rules import (
    check_batchnorm_batches,
    check_hyperparameters,
    check_model_state,
    check_optimizer,
    check_output_layer,
)
from goodfit.checks.probe_pass import check_probe_pass, probe_loss
from goodfit.checks.target_rules import check_initial_loss, check_labels, check_targets
from goodfit.findings import Finding, finding
from goodfit.i18n import _, ngettext

if TYPE_CHECKING:
    from goodfit.watch.loaders import LoaderRecord
    from goodfit.watch.observer import Observer

__all__ = ["first_step_checks", "training_data_checks", "eval_checks", "eval_data_checks", "end_checks",
           "looks_like_test", "is_test"]

FIRST_STEP = (check_output_layer, check_model_state, check_optimizer, check_hyperparameters, check_targets,
              check_batchnorm_batches, check_probe_pass, check_initial_loss)
TRAINING_DATA = (check_inputs, check_shuffling, check_scaling, check_labels, check_overlaps)


def first_step_checks(obs: Observer) -> list[Finding]:
    if obs.model is None:
        return []
    ctx = obs.context(obs.current_train)
    found = [f for rule in FIRST_STEP for f in rule(ctx)]
    obs.first_outputs = ctx.cache.get("outputs")
    _start_monitors(obs, ctx)
    return found


def _start_monitors(obs: Observer, ctx: Any) -> None:
    from goodfit.watch.monitoring import MonitorFeed  # goodfit's training code: loaded once a step is taken

    probe = ctx.probe()
    if probe is None:
        return
    param = next(obs.model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    x, y = (t[:256].to(device) for t in probe)
    kind, loss_fn = ctx.kind(), ctx.loss_fn

    def monitor_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        value = probe_loss(kind, loss_fn, out, target)
        return value if value is not None else out.float().mean()

    obs.monitors = MonitorFeed(obs.model, x, y, monitor_loss)


def training_data_checks(obs: Observer, rec: LoaderRecord) -> Callable[[], list[Finding]]:
    """The checks of a training loader's summarized data, as work for the observer's worker thread:
    which loaders to compare with is decided now, the rest there. The labels are checked against the
    first step's probe outputs, so the model is never run off the script's thread."""
    others = [other for other in obs.loaders.values() if not other.training]
    outputs = obs.first_outputs

    def judge() -> list[Finding]:
        ctx = obs.context(rec)
        ctx.cache["outputs"] = outputs
        evaluation = [other for other in others if other.arrays() is not None]
        for other in evaluation:
            _use(ctx, other)
        return [f for rule in TRAINING_DATA for f in rule(ctx)]

    return judge


def _use(ctx: Any, rec: LoaderRecord) -> str:
    """``rec``'s data as the context's test or validation split (whichever it is, if still free): its
    first rows and the summary of its first pass."""
    split = "test" if is_test(rec) else "valid"
    if getattr(ctx, split) is None:
        setattr(ctx, split, rec.arrays())
        setattr(ctx, f"{split}_loader", rec.loader)
        ctx.summaries[split] = rec.snapshot()
    return split


def eval_checks(obs: Observer, rec: LoaderRecord) -> list[Finding]:
    """How an evaluation loader was used, on the script's thread (the transform check reads its data
    set, with the random streams kept)."""
    split = "test" if is_test(rec) else "valid"
    return _eval_mode(obs, rec) + check_eval_transforms(LintContext(**{f"{split}_loader": rec.loader}))


def eval_data_checks(obs: Observer, rec: LoaderRecord) -> Callable[[], list[Finding]]:
    """The samples an evaluation loader shares with the training data, as work for the worker thread."""
    trains = [other for other in obs.loaders.values() if other.training]

    def judge() -> list[Finding]:
        train = next((other for other in trains if other.arrays() is not None), None)
        if train is None:
            return []
        ctx = obs.context(train)
        _use(ctx, rec)
        return check_overlaps(ctx)

    return judge


def _eval_mode(obs: Observer, rec: LoaderRecord) -> list[Finding]:
    found = []
    where = _name(rec)
    for training, grad, _step in rec.eval_states[:1]:
        if training:
            found.append(finding("eval-in-train-mode", _(
                "the model ran in train mode while {loader} was evaluated (dropout and batch norm behave as in "
                "training).").format(loader=where), where=where))
        if grad:
            found.append(finding("eval-with-grad", _("{loader} was evaluated with autograd enabled.").format(
                loader=where), where=where))
    return found


def end_checks(obs: Observer) -> list[Finding]:
    found: list[Finding] = []
    if obs.monitors is not None and obs.step > 0:
        found += obs.monitors.finish(obs.step)
    for rec in obs.loaders.values():
        if rec.training or not is_test(rec):
            continue
        during = [step for _training, _grad, step in rec.eval_states if 0 < step < obs.step]
        if during:
            found.append(finding("test-as-valid", ngettext(
                "the test data were evaluated during training, {n} time(s) before its last step: every choice made "
                "on those scores (the epoch to keep, when to stop) tuned the model to its test set.",
                "the test data were evaluated during training, {n} time(s) before its last step: every choice made "
                "on those scores (the epoch to keep, when to stop) tuned the model to its test set.",
                len(during)).format(n=len(during)), where=_name(rec)))
    return found


def looks_like_test(loader: Any) -> bool:
    """A loader over a test split: torchvision's ``train=False``, ``split="test"``, or a ``test`` folder."""
    dataset = getattr(loader, "dataset", None)
    for _depth in range(4):  # Subset / ConcatDataset-style wrappers keep the real set in .dataset
        if dataset is None:
            return False
        if getattr(dataset, "train", None) is False or str(getattr(dataset, "split", "")).lower() == "test":
            return True
        root = getattr(dataset, "root", None)
        if isinstance(root, (str, Path)) and Path(root).name.lower() in ("test", "testing", "test_set"):
            return True
        dataset = getattr(dataset, "dataset", None)
    return False


def is_test(rec: LoaderRecord) -> bool:
    """A loader of test data: marked so by its data set (:func:`looks_like_test`) or named so by the
    script (``test_loader``, ``TensorDataset(X_test, y_test)``)."""
    return looks_like_test(rec.loader) or any("test" in name.lower() for name in rec.names)


def _name(rec: LoaderRecord) -> str:
    def plain(name: str) -> tuple:  # test_loader before loader, a loader before its tensors
        low = name.lower()
        return not any(k in low for k in ("test", "val", "train")), "loader" not in low, -len(name), name

    named = sorted((n for n in rec.names if not n.startswith("_")), key=plain)
    if named:
        return named[0]
    dataset = getattr(rec.loader, "dataset", None)
    kind = type(dataset).__name__ if dataset is not None else "data"
    return f"a DataLoader over {kind}" + (" (the test split)" if is_test(rec) else "")
