"""What the checks look at: arrays pulled from loaders or goodfit's splits, and a probe batch."""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["LintContext", "batch_parts", "first_tensor", "infer_task", "keep_random_state", "loader_arrays",
           "model_input", "probe_outputs"]

PROBE_SIZE = 256
MAX_SAMPLES = 60_000  # enough for hashing MNIST; bounded for huge loaders


INPUT_KEYS = ("x", "input", "inputs", "image", "images", "data", "features")
TARGET_KEYS = ("y", "label", "labels", "target", "targets")


def batch_parts(batch: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """A batch's ``(inputs, targets)``, whatever shape the loader gives it: ``(x, y, ...)``, a dict with
    keys such as ``x``/``image`` and ``y``/``label``, or None when it cannot be read as tensors."""
    if isinstance(batch, dict):
        x = next((batch[k] for k in INPUT_KEYS if k in batch), None)
        y = next((batch[k] for k in TARGET_KEYS if k in batch), None)
    elif isinstance(batch, (tuple, list)) and len(batch) >= 2:
        x, y = batch[0], batch[1]
    else:
        return None
    try:
        x, y = _plain(x), _plain(y)
    except (TypeError, ValueError, RuntimeError):  # strings, ragged lists: nothing a check can use
        return None
    return (x, y) if x.ndim >= 1 and y.ndim >= 1 and len(x) == len(y) else None


def _plain(value: Any) -> torch.Tensor:
    """A CPU tensor outside autograd; a batch's tensors usually are already (called on every batch
    ``goodfit watch`` summarizes: no call that is not needed)."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    if t.requires_grad:
        t = t.detach()
    return t if t.device.type == "cpu" else t.cpu()


def loader_arrays(loader: Any, limit: int = MAX_SAMPLES) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Inputs and targets a loader yields (in its order), up to ``limit`` samples; None for a loader
    whose batches are not ``(inputs, targets)`` tensors (see :func:`batch_parts`)."""
    if loader is None:
        return None
    xs, ys, n = [], [], 0
    with keep_random_state():  # a shuffling loader draws its order from the global stream: keep it
        for batch in loader:
            parts = batch_parts(batch)
            if parts is None or (xs and (parts[0].shape[1:] != xs[0].shape[1:]
                                         or parts[1].shape[1:] != ys[0].shape[1:])):
                return None
            xs.append(parts[0])
            ys.append(parts[1])
            n += len(parts[1])
            if n >= limit:
                break
    if not xs:
        return None
    return torch.cat(xs)[:limit], torch.cat(ys)[:limit]


@dataclass
class LintContext:
    """Everything a lint check may use; any part can be missing (None)."""

    model: nn.Module | None = None
    loss_fn: Callable | None = None
    train: tuple[torch.Tensor, torch.Tensor] | None = None
    valid: tuple[torch.Tensor, torch.Tensor] | None = None
    test: tuple[torch.Tensor, torch.Tensor] | None = None
    train_loader: Any = None
    valid_loader: Any = None
    test_loader: Any = None
    n_classes: int | None = None
    task: str | None = None  # classification, binary, regression or arrays; None: inferred (infer_task)
    groups: dict[str, Any] | None = None  # split -> each sample's group (speaker, patient), where known
    optimizer: str | None = None  # "adam", "adamw", "sgd", ... (the class name, lower case)
    lr: float | None = None
    weight_decay: float | None = None
    optim: torch.optim.Optimizer | None = None  # the optimizer itself, when there is one
    batch_size: int | None = None
    drop_last: bool | None = None  # the training batches leave out a short last batch
    penalty_fn: Callable[[nn.Module], torch.Tensor] | None = None
    evaluate_fn: Callable[[nn.Module, Any], Any] | None = None
    loss_inputs: tuple[Any, Any] | None = None  # (output, target) as the loss received them (goodfit watch)
    test_evaluations: int | None = None
    keras: Any = None  # a Keras model's fit: loss, shuffle, validation_split... (goodfit.checks.keras_rules.KerasFit)
    # split -> its DataSummary; given by goodfit watch (whose train/valid/test then hold only the first
    # rows), else made from the arrays when a rule first asks (summary())
    summaries: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    def summary(self, split: str) -> Any:
        """The :class:`~goodfit.checks.summary.DataSummary` of a split's inputs and targets, or None."""
        if split not in self.summaries:
            from goodfit.checks.summary import DataSummary

            data = getattr(self, split)
            self.summaries[split] = DataSummary.of(*data) if data is not None else None
        return self.summaries[split]

    def size(self, split: str) -> int | None:
        """How many samples a split holds: its loader's data set's length where it has one, else every
        sample its summary saw (``goodfit watch`` keeps only the first rows as arrays), else its arrays'."""
        dataset = getattr(getattr(self, f"{split}_loader", None), "dataset", None)
        if dataset is not None and hasattr(dataset, "__len__"):
            with contextlib.suppress(TypeError):  # an iterable data set may define __len__ only to refuse it
                return len(dataset)
        given = self.summaries.get(split)
        if given is not None:
            return given.rows
        data = getattr(self, split)
        return len(data[1]) if data is not None else None

    def targets(self, split: str) -> torch.Tensor | None:
        """Every target of a split: the summary's where one was given with them, else the split's own."""
        given = self.summaries.get(split)
        if given is not None and given.targets is not None:
            return given.targets
        data = getattr(self, split)
        return data[1] if data is not None else None

    def kind(self) -> str | None:
        """The kind of targets: ``classification``, ``binary``, ``regression``, ``arrays`` or None (unknown)."""
        if self.task is None:
            self.task = infer_task(self.loss_fn, self.train or self.valid or self.test)
        return self.task

    def has_labels(self) -> bool:
        """Targets are class labels (classification or binary): counts, balance and order apply."""
        return self.kind() in ("classification", "binary")

    def classes(self) -> int | None:
        if self.n_classes is not None:
            return self.n_classes
        if self.kind() == "binary":
            return 2
        if self.kind() != "classification":
            return None
        labels = [y for y in map(self.targets, ("train", "valid", "test")) if y is not None and y.ndim == 1 and len(y)]
        return int(max(int(y.max()) for y in labels)) + 1 if labels else None

    def labels(self, split: str) -> np.ndarray | None:
        """A split's targets as 1-D integer labels (binary: 0/1), or None when they are not labels."""
        y = self.targets(split)
        if y is None or not self.has_labels():
            return None
        y = y.reshape(len(y), -1)
        if y.shape[1] != 1 or not bool(torch.all(y == y.round())):
            return None  # one-hot or soft targets: the target checks say so
        return y[:, 0].long().numpy()

    def probe(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        if self.train is None:
            return None
        x, y = self.train
        g = torch.Generator().manual_seed(0)
        idx = torch.randperm(len(y), generator=g)[:PROBE_SIZE]
        return x[idx], y[idx]


_CE = (nn.CrossEntropyLoss, nn.NLLLoss)
_BCE = (nn.BCEWithLogitsLoss, nn.BCELoss)
_REGRESSION = (nn.MSELoss, nn.L1Loss, nn.HuberLoss, nn.SmoothL1Loss)


def infer_task(loss_fn: Any, data: tuple[torch.Tensor, torch.Tensor] | None) -> str | None:
    """What kind of targets a set-up trains on, from its loss and its data.

    The loss decides when it is one goodfit knows (cross-entropy: classification, BCE: binary, MSE /
    L1 / Huber: regression, or arrays when the targets have the inputs' shape); without one, the
    targets do (integer labels: classification).

    Examples:
        >>> x, y = torch.zeros(4, 3), torch.tensor([0.0, 1.0, 1.0, 0.0])
        >>> infer_task(nn.BCEWithLogitsLoss(), (x, y)), infer_task(nn.MSELoss(), (x, x)), infer_task(None, (x, y))
        ('binary', 'arrays', 'regression')
    """
    import torch.nn.functional as F

    y = data[1] if data is not None else None
    same_shape = y is not None and data[0].shape[1:] == y.shape[1:] and y.ndim > 1
    if isinstance(loss_fn, _CE) or loss_fn in (F.cross_entropy, F.nll_loss):
        return "classification"
    if isinstance(loss_fn, _BCE) or loss_fn in (F.binary_cross_entropy_with_logits, F.binary_cross_entropy):
        return "binary"
    if isinstance(loss_fn, _REGRESSION) or loss_fn in (F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss):
        return "arrays" if same_shape else "regression"
    if y is None:
        return None
    if not y.is_floating_point():
        return "classification"
    return "arrays" if same_shape else "regression"


@contextlib.contextmanager
def keep_random_state() -> Iterator[None]:
    """Run a check's random draws (dropout in a probe pass, a data set's augmentation) without moving the
    random streams of torch (CPU and the current GPU), NumPy or Python: the user's run is unchanged."""
    py, np_state = random.getstate(), np.random.get_state()
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() and torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        random.setstate(py)
        np.random.set_state(np_state)


def model_input(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``x`` on the model's device, and in its dtype when both are floating point (token ids stay integers)."""
    param = next(model.parameters(), None)
    if param is None:
        return x
    if x.is_floating_point() and param.is_floating_point():
        return x.to(param.device, param.dtype)
    return x.to(param.device)


def first_tensor(out: Any) -> torch.Tensor | None:
    """A model's output as one tensor: itself, ``logits`` of a dict / output object, or the first of a tuple."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, dict) or hasattr(out, "logits"):
        value = out.get("logits") if isinstance(out, dict) else out.logits
        return value if isinstance(value, torch.Tensor) else None
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def probe_outputs(ctx: LintContext) -> torch.Tensor | None:
    """The model's outputs on the probe batch, in eval mode without autograd (cached). A forward pass
    that raises leaves its one-line message in ``ctx.cache["forward_error"]`` (a finding, not a crash)."""
    if "outputs" not in ctx.cache:
        probe = ctx.probe()
        ctx.cache["outputs"] = None
        if ctx.model is not None and probe is not None:
            model = ctx.model
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    out = first_tensor(model(model_input(model, probe[0])))
                ctx.cache["outputs"] = out.float().cpu() if out is not None and out.is_floating_point() else None
            except Exception as exc:  # the user's model: a shape mismatch is what the check reports
                text = str(exc).strip()
                ctx.cache["forward_error"] = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
            finally:
                model.train(was_training)
    return ctx.cache["outputs"]


def ln_classes(n: int) -> float:
    return math.log(max(n, 2))
