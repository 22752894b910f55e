"""What the checks look at: arrays pulled from loaders or goodfit's splits, and a probe batch."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["LintContext", "infer_task", "loader_arrays", "probe_outputs"]

PROBE_SIZE = 256
MAX_SAMPLES = 60_000  # enough for hashing MNIST; bounded for huge loaders


def loader_arrays(loader: Any, limit: int = MAX_SAMPLES) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Inputs and labels a loader yields (in its order), up to ``limit`` samples."""
    if loader is None:
        return None
    xs, ys, n = [], [], 0
    for batch in loader:
        xb, yb = batch[0], batch[1]
        xs.append(torch.as_tensor(xb).detach().cpu())
        ys.append(torch.as_tensor(yb).detach().cpu())
        n += len(yb)
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
    optimizer: str | None = None  # "adam", "adamw", "sgd", ...
    lr: float | None = None
    batch_size: int | None = None
    penalty_fn: Callable[[nn.Module], torch.Tensor] | None = None
    evaluate_fn: Callable[[nn.Module, Any], Any] | None = None
    test_evaluations: int | None = None
    cache: dict[str, Any] = field(default_factory=dict)

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
        labels = [s[1] for s in (self.train, self.valid, self.test) if s is not None and s[1].ndim == 1]
        return int(max(int(y.max()) for y in labels)) + 1 if labels else None

    def labels(self, split: str) -> np.ndarray | None:
        """A split's targets as 1-D integer labels (binary: 0/1), or None when they are not labels."""
        data = getattr(self, split)
        if data is None or not self.has_labels():
            return None
        y = data[1].reshape(len(data[1]), -1)
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

    Example:
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


def probe_outputs(ctx: LintContext) -> torch.Tensor | None:
    """The model's outputs on the probe batch, in eval mode without autograd (cached)."""
    if "outputs" not in ctx.cache:
        probe = ctx.probe()
        if ctx.model is None or probe is None:
            ctx.cache["outputs"] = None
        else:
            model = ctx.model
            was_training = model.training
            model.eval()
            try:
                param = next(model.parameters(), None)
                x = probe[0].to(param.device, param.dtype) if param is not None else probe[0]
                with torch.no_grad():
                    ctx.cache["outputs"] = model(x).float().cpu()
            finally:
                model.train(was_training)
    return ctx.cache["outputs"]


def ln_classes(n: int) -> float:
    return math.log(max(n, 2))
