"""The pitfall lint: mistakes found before a single step of training.

Run it on goodfit's own pipeline (``goodfit check``, and automatically at the start of ``goodfit
train``) or on your own PyTorch model, DataLoaders, loss and optimizer:

    >>> import torch, goodfit
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> x, y = torch.rand(64, 4), torch.arange(64) % 2
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Softmax(dim=1))
    >>> found = goodfit.check(model=model, train_loader=DataLoader(TensorDataset(x, y), batch_size=8))
    >>> sorted({f.id for f in found})
    ['softmax-before-ce', 'unshuffled-train-loader']

The rules live by subject: :mod:`~goodfit.checks.data_rules` (order, overlaps, scaling, broken
inputs, random transforms on evaluation data), :mod:`~goodfit.checks.model_rules` (the output
layer, train / eval mode, frozen parameters, the optimizer, batch norm), :mod:`~goodfit.checks.target_rules`
(targets against the loss and the outputs, class balance, the loss at initialization),
:mod:`~goodfit.checks.practice_rules` (evaluation functions, penalties),
:mod:`~goodfit.checks.probe_pass` (one forward and backward pass on a copy of the model) and
:mod:`~goodfit.checks.keras_rules` (a Keras model's output against ``from_logits``, ``validation_split``,
``shuffle``: Keras models and Keras-style data are linted too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from goodfit.checks.context import LintContext, loader_arrays
from goodfit.checks.data_rules import (
    check_eval_transforms,
    check_group_overlap,
    check_inputs,
    check_overlaps,
    check_scaling,
    check_shuffling,
)
from goodfit.checks.keras_rules import (
    check_keras_names,
    check_keras_order,
    check_keras_outputs,
    check_keras_split,
    keras_context,
)
from goodfit.checks.model_rules import (
    check_batchnorm_batches,
    check_hyperparameters,
    check_model_state,
    check_optimizer,
    check_output_layer,
)
from goodfit.checks.practice_rules import check_evaluation, check_penalty
from goodfit.checks.probe_pass import check_probe_pass
from goodfit.checks.target_rules import check_initial_loss, check_labels, check_targets
from goodfit.errors import ConfigError
from goodfit.findings import Finding, settle
from goodfit.models.keras import is_keras_model

__all__ = ["check", "run_lint", "LINT_CHECKS"]

Rule = Callable[[LintContext], list[Finding]]

# the order findings are reported in; check_inputs first: broken inputs silence the value checks
LINT_CHECKS: tuple[Rule, ...] = (
    check_inputs, check_output_layer, check_keras_outputs, check_model_state, check_optimizer, check_keras_order,
    check_shuffling, check_keras_split, check_keras_names, check_overlaps, check_group_overlap, check_scaling,
    check_eval_transforms, check_targets, check_labels, check_batchnorm_batches, check_probe_pass, check_evaluation,
    check_penalty, check_hyperparameters, check_initial_loss,
)


def run_lint(ctx: LintContext, *, skip: tuple[Rule, ...] = ()) -> list[Finding]:
    """All lint checks on one context (but those in ``skip``, which cannot fire by construction), without
    the findings another one explains (:func:`goodfit.findings.settle`)."""
    return settle(f for chk in LINT_CHECKS if chk not in skip for f in chk(ctx))


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
    groups: dict[str, Any] | None = None,
) -> list[Finding]:
    """Lint your own PyTorch model, loaders, loss and optimizer for the classic pitfalls (docs/checks.md).

    The kind of targets (``task``: classification, binary, regression or arrays) is inferred from
    the loss and the targets unless given. ``penalty_fn(model)`` is checked as a regularization
    penalty (e.g. your L1); ``evaluate_fn(model, loader)`` is called on a small probe loader to see
    how it evaluates. ``groups`` gives, per split (``"train"``, ``"valid"``, ``"test"``), each sample's
    group in loader order (a speaker, a patient, a recording session): a group found in two splits is
    flagged. Nothing here changes the model, the loaders or the random streams.

    A Keras 3 model (torch backend) is checked too, with its compiled loss and optimizer unless
    given; its data may be Keras-style: ``(x, y)`` arrays or a ``keras.utils.PyDataset``
    (:func:`goodfit.keras.check` takes ``model.fit``'s own arguments).
    """
    if task not in (None, "classification", "binary", "regression", "arrays"):
        raise ConfigError(f"task={task!r}: choose classification, binary, regression or arrays (or leave it None)")
    if is_keras_model(model):
        ctx = keras_context(model, train_loader, validation_data=valid_loader, test_data=test_loader, loss=loss_fn,
                            optimizer=optimizer, n_classes=n_classes, task=task)
        ctx.penalty_fn, ctx.evaluate_fn, ctx.groups = penalty_fn, evaluate_fn, groups
        return run_lint(ctx)
    ctx = LintContext(
        model=model, loss_fn=loss_fn, train=loader_arrays(train_loader), valid=loader_arrays(valid_loader),
        test=loader_arrays(test_loader), train_loader=train_loader, valid_loader=valid_loader,
        test_loader=test_loader, n_classes=n_classes, task=task, penalty_fn=penalty_fn, evaluate_fn=evaluate_fn,
        batch_size=getattr(train_loader, "batch_size", None), drop_last=getattr(train_loader, "drop_last", None),
        groups=groups,
    )
    if optimizer is not None:
        group = optimizer.param_groups[0]
        ctx.optim, ctx.optimizer = optimizer, type(optimizer).__name__.lower()
        ctx.lr, ctx.weight_decay = _number(group.get("lr")), _number(group.get("weight_decay"))
    return run_lint(ctx)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):  # a tensor lr, a scheduler's callable: not a plain number to judge
        return None
