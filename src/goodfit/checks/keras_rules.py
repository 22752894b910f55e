"""The lint on a Keras 3 model and Keras-style data: the same rules and finding ids as on PyTorch, with
the pitfalls only Keras has.

:func:`keras_context` turns a compiled Keras model, its ``model.fit`` arguments and its data (arrays,
``(x, y)`` tuples, a ``keras.utils.PyDataset``, a torch DataLoader) into a
:class:`~goodfit.checks.context.LintContext`: the model wrapped as a torch module
(:class:`~goodfit.models.keras.KerasModule`), the Keras loss as its torch twin. Then every rule of
:data:`~goodfit.checks.lint.LINT_CHECKS` runs, these ones included:

- ``softmax-from-logits``: a softmax (or sigmoid) output and a loss with ``from_logits=True``;
- ``logits-not-from-logits``: raw logits and a loss with ``from_logits=False`` (Keras' default);
- ``validation-split-tail``: ``validation_split`` cuts the *last* samples off, before any shuffling:
  on sorted data the validation part holds a few classes only;
- ``unshuffled-train-loader``: ``model.fit(shuffle=False)``;
- ``test-as-valid``: ``validation_data`` the script itself calls test data (``x_test``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.context import LintContext, loader_arrays, probe_outputs
from goodfit.data.keras import is_pydataset, keras_arrays
from goodfit.findings import Finding, finding
from goodfit.i18n import _
from goodfit.models.keras import KerasModule, last_activation

__all__ = ["KerasFit", "KerasLoss", "keras_loss", "keras_context", "check_keras_outputs", "check_keras_split",
           "check_keras_order", "check_keras_names", "ProbabilityCrossEntropy"]

TAIL_SHIFT = 0.3  # total variation between the class mix of the training part and of the validation tail
_LOGITS_ONLY = ("relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "leaky_relu", "softplus", "tanh", "mish")


class ProbabilityCrossEntropy(nn.Module):
    """Cross-entropy of class probabilities (a softmax output), as Keras computes it with ``from_logits=False``."""

    def forward(self, probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.nll_loss(torch.log(probs.clamp(1e-7, 1.0)), target)


@dataclass(frozen=True)
class KerasLoss:
    """A Keras loss as the rules read it."""

    name: str  # as the script wrote it: SparseCategoricalCrossentropy, "mse"...
    kind: str | None  # classification, binary, regression; None: unknown, inferred from the targets
    from_logits: bool | None = None  # None for losses without the option
    one_hot: bool = False  # CategoricalCrossentropy: one-hot targets
    torch_loss: Any = None  # the torch loss the rules apply (the same values)


_KINDS = {  # Keras loss names (functions, strings, classes in snake case) -> (kind, one-hot targets)
    "sparse_categorical_crossentropy": ("classification", False), "categorical_crossentropy": ("classification", True),
    "binary_crossentropy": ("binary", False), "mean_squared_error": ("regression", False),
    "mse": ("regression", False), "mean_absolute_error": ("regression", False), "mae": ("regression", False),
    "huber": ("regression", False),
}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def keras_loss(loss: Any) -> KerasLoss | None:
    """What a compiled Keras model's ``loss`` (a string, a function or a ``keras.losses.Loss``) computes.

    Examples:
        >>> keras_loss("sparse_categorical_crossentropy").from_logits, keras_loss("mse").kind
        (False, 'regression')
    """
    if loss is None or isinstance(loss, (dict, list, tuple)):  # none, or one per output: not judged
        return None
    if isinstance(loss, str):
        name, options = loss, {}
    else:
        name = getattr(loss, "__name__", None) or type(loss).__name__
        config = getattr(loss, "get_config", None)
        options = config() if callable(config) else {}
    key = name.lower() if name.islower() or name.isupper() else _snake(name)
    key = {"mean_squared_error": "mse", "mean_absolute_error": "mae"}.get(key, key)
    kind, one_hot = _KINDS.get(key, (None, False))
    from_logits = bool(options.get("from_logits", False)) if kind in ("classification", "binary") else None
    if kind == "classification":
        torch_loss = nn.CrossEntropyLoss() if from_logits else ProbabilityCrossEntropy()
    elif kind == "binary":
        torch_loss = nn.BCEWithLogitsLoss() if from_logits else nn.BCELoss()
    else:
        torch_loss = {"mse": nn.MSELoss(), "mae": nn.L1Loss(),
                      "huber": nn.HuberLoss(delta=float(options.get("delta", 1.0)))}.get(key)
    return KerasLoss(name, kind, from_logits, one_hot, torch_loss)


@dataclass
class KerasFit:
    """How ``model.fit`` trains, beyond its arrays: what the Keras rules judge."""

    loss: KerasLoss | None = None
    shuffle: bool | str = True  # model.fit(shuffle=...): True, False or "batch"
    validation_split: float = 0.0
    split_used: bool = False  # the validation data are the tail that validation_split cut off
    valid_names: frozenset[str] = field(default_factory=frozenset)  # what the script calls validation_data
    last_activation: str | None = None  # of the model's last layer: softmax, sigmoid, linear, relu...


def keras_context(model: Any, train: Any = None, *, validation_data: Any = None, validation_split: float = 0.0,
                  split_used: bool | None = None, shuffle: bool | str = True, batch_size: int | None = None,
                  test_data: Any = None, loss: Any = None, optimizer: Any = None, valid_names: Iterable[str] = (),
                  n_classes: int | None = None, task: str | None = None) -> LintContext:
    """The lint context of a Keras model and its ``model.fit`` arguments.

    ``train``, ``validation_data`` and ``test_data`` are ``(x, y)`` tuples, PyDatasets or torch
    DataLoaders. ``validation_split`` without ``validation_data`` is cut off ``train`` here as Keras
    cuts it; ``split_used=True`` says the split happened already (``train`` and ``validation_data``
    are its two parts, as :class:`goodfit.keras.GoodfitCallback` finds them). ``loss`` and
    ``optimizer`` default to the compiled model's.
    """
    fit_loss = keras_loss(loss if loss is not None else getattr(model, "loss", None))
    kind = task or (fit_loss.kind if fit_loss is not None else None)
    train_xy, train_loader = _arrays(train), _loader(train, shuffle)
    valid_xy, valid_loader = _arrays(validation_data), _loader(validation_data, True)
    if split_used is None:
        split_used = False
        if validation_split and validation_data is None and train_xy is not None:
            n = len(train_xy[1])
            cut = int(math.floor(n * (1.0 - validation_split)))  # Keras: the last samples, as they come
            train_xy, valid_xy = (train_xy[0][:cut], train_xy[1][:cut]), (train_xy[0][cut:], train_xy[1][cut:])
            split_used = True
    train_xy, valid_xy, test_xy = (_labels(xy, fit_loss) for xy in (train_xy, valid_xy, _arrays(test_data)))
    wrapped = KerasModule(model, input_shape=tuple(train_xy[0].shape[1:]) if train_xy is not None else None)
    ctx = LintContext(
        model=wrapped, loss_fn=fit_loss.torch_loss if fit_loss is not None else None, train=train_xy,
        valid=valid_xy, test=test_xy, train_loader=train_loader, valid_loader=valid_loader,
        test_loader=test_data if _is_loader(test_data) else None, n_classes=n_classes, task=kind,
        batch_size=batch_size or getattr(train, "batch_size", None) or (32 if train_loader is None else None),
    )
    optimizer = optimizer if optimizer is not None else getattr(model, "optimizer", None)
    if optimizer is not None:  # Keras' weight_decay is decoupled for every optimizer: not judged as L2
        ctx.optimizer, ctx.lr = type(optimizer).__name__.lower(), _number(getattr(optimizer, "learning_rate", None))
    ctx.keras = KerasFit(loss=fit_loss, shuffle=shuffle, validation_split=float(validation_split or 0.0),
                         split_used=bool(split_used), valid_names=frozenset(valid_names),
                         last_activation=last_activation(model))
    return ctx


def _is_loader(data: Any) -> bool:
    return isinstance(data, torch.utils.data.DataLoader)


def _arrays(data: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    if data is None:
        return None
    return loader_arrays(data) if _is_loader(data) else keras_arrays(data)


def _loader(data: Any, shuffle: bool | str) -> Any:
    """What the order rules look at: a DataLoader or PyDataset itself; arrays only when fit keeps their
    order (``shuffle=False``): otherwise Keras shuffles them every epoch and their order is harmless."""
    if _is_loader(data) or is_pydataset(data):
        return data
    return data if shuffle is False and data is not None else None


def _labels(xy: tuple[torch.Tensor, torch.Tensor] | None, loss: KerasLoss | None):
    """Targets as goodfit's rules read them: class indices for a cross-entropy (one-hot rows, and the float
    labels Keras accepts, become integers); a column for a binary or regression loss, which Keras
    matches to a model's ``(N, 1)`` output by itself."""
    if xy is None or loss is None or loss.kind is None:
        return xy
    x, y = xy
    if loss.kind != "classification":
        return (x, y.reshape(len(y), 1)) if y.ndim == 1 else xy
    if loss.one_hot and y.ndim == 2 and y.shape[1] > 1:
        return x, y.argmax(1)
    if y.is_floating_point() and bool(torch.all(y == y.round())):
        return x, y.reshape(len(y)).long() if y.numel() == len(y) else y.long()
    return xy


def _number(value: Any) -> float | None:
    try:
        return float(np.asarray(value.value if hasattr(value, "value") else value))
    except (TypeError, ValueError, RuntimeError):  # a schedule object: not one number
        return None


# --------------------------------------------------------------------------- the rules


def _is_probabilities(out: torch.Tensor, kind: str) -> bool:
    if not bool(((out >= 0) & (out <= 1)).all()):
        return False
    return kind == "binary" or (out.ndim == 2 and bool(torch.allclose(out.sum(1), torch.ones(len(out)), atol=1e-4)))


def check_keras_outputs(ctx: LintContext) -> list[Finding]:
    """The output layer against ``from_logits``: a softmax with ``from_logits=True``, logits with
    ``from_logits=False``, another activation in front of logits."""
    fit = getattr(ctx, "keras", None)
    loss = fit.loss if fit is not None else None
    if loss is None or loss.from_logits is None:
        return []
    act, out = fit.last_activation, probe_outputs(ctx)
    probs = out is not None and out.numel() > 0 and _is_probabilities(out, loss.kind)
    squash = "sigmoid" if loss.kind == "binary" else "softmax"
    if loss.from_logits and (act == squash or probs):
        return [finding("softmax-from-logits", _(
            "the model's last layer applies {activation} and {loss} has from_logits=True, so the loss applies it "
            "again to what are already probabilities.").format(activation=act if act == squash else squash,
                                                                   loss=loss.name), where="model")]
    if loss.from_logits and act in _LOGITS_ONLY:
        return [finding("activation-before-logits", _(
            "the model's last layer is {layer}; {loss} takes logits, which must be free to take any value.").format(
                layer=f"Dense(activation={act!r})", loss=loss.name), where="model")]
    if not loss.from_logits and act not in ("softmax", "sigmoid") and out is not None and out.numel() and not probs:
        lo, hi = float(out.min()), float(out.max())
        return [finding("logits-not-from-logits", _(
            "{loss} has from_logits=False, so it takes probabilities, but the model outputs raw scores (from {lo:.3g} "
            "to {hi:.3g}, no {activation} at the end).").format(loss=loss.name, lo=lo, hi=hi, activation=squash),
            where="loss")]
    return []


def check_keras_split(ctx: LintContext) -> list[Finding]:
    """``validation_split`` on data in label order (or sorted targets): the tail it cuts off is no sample
    of the whole."""
    fit = getattr(ctx, "keras", None)
    if fit is None or not fit.split_used or ctx.train is None or ctx.valid is None or not len(ctx.valid[1]):
        return []
    train_y, valid_y = ctx.labels("train"), ctx.labels("valid")
    split, n = fit.validation_split, len(ctx.valid[1])
    if train_y is not None and valid_y is not None and len(train_y):
        c = max(int(train_y.max()), int(valid_y.max())) + 1
        p, q = np.bincount(train_y, minlength=c) / len(train_y), np.bincount(valid_y, minlength=c) / len(valid_y)
        if 0.5 * float(np.abs(p - q).sum()) > TAIL_SHIFT:
            return [finding("validation-split-tail", _(
                "validation_split={split:g} took the last {n} samples as they come, and they hold {k} of the {c} "
                "classes: the data are in label order, so validation judges those classes alone and training "
                "misses their samples.").format(split=split, n=n, k=len(np.unique(valid_y)), c=c),
                where="validation_split")]
        return []
    if ctx.kind() == "regression":
        t = torch.cat([ctx.train[1], ctx.valid[1]]).reshape(len(ctx.train[1]) + n, -1)[:, 0].double()
        rising = float((t[1:] >= t[:-1]).double().mean())
        if rising > 0.95 or rising < 0.05:
            return [finding("validation-split-tail", _(
                "validation_split={split:g} took the last {n} samples as they come, and the targets are sorted: "
                "validation holds only the {end} targets.").format(
                    split=split, n=n, end=_("largest") if rising > 0.5 else _("smallest")), where="validation_split")]
    return []


def check_keras_order(ctx: LintContext) -> list[Finding]:
    """``model.fit(shuffle=False)`` on arrays or a PyDataset (a DataLoader's own sampler decides otherwise)."""
    fit = getattr(ctx, "keras", None)
    if fit is None or fit.shuffle is not False or ctx.train is None or _is_loader(ctx.train_loader):
        return []
    return [finding("unshuffled-train-loader", _(
        "model.fit(shuffle=False) trains on the samples in the same order every epoch."), where="model.fit",
        fix=_("Leave model.fit's shuffle=True (its default); shuffle the arrays once before fit if you also use "
              "validation_split."))]


def check_keras_names(ctx: LintContext) -> list[Finding]:
    """``validation_data`` the script calls test data; with the test data at hand, the overlap rule
    compares the samples themselves."""
    fit = getattr(ctx, "keras", None)
    if fit is None or ctx.test is not None:
        return []
    named = sorted(name for name in fit.valid_names if "test" in name.lower())
    if not named:
        return []
    return [finding("test-as-valid", _(
        "model.fit(validation_data=...) gets {names}: the test set validates every epoch, and whatever is chosen on "
        "it (the epoch to keep, when to stop) is tuned to it.").format(names=", ".join(named)),
        where="validation_data", fix=_("Validate on a split of the training data (validation_split after shuffling, "
                                       "or train_test_split); evaluate the test set once, after training."))]
