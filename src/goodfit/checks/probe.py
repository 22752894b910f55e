"""What the checks look at: arrays pulled from loaders or goodfit's splits, and a probe batch."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = ["LintContext", "loader_arrays", "probe_outputs"]

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
    optimizer: str | None = None  # "adam", "adamw", "sgd", ...
    lr: float | None = None
    batch_size: int | None = None
    penalty_fn: Callable[[nn.Module], torch.Tensor] | None = None
    evaluate_fn: Callable[[nn.Module, Any], Any] | None = None
    test_evaluations: int | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def classes(self) -> int | None:
        if self.n_classes is not None:
            return self.n_classes
        labels = [s[1] for s in (self.train, self.valid, self.test) if s is not None]
        return int(max(int(y.max()) for y in labels)) + 1 if labels else None

    def probe(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        if self.train is None:
            return None
        x, y = self.train
        g = torch.Generator().manual_seed(0)
        idx = torch.randperm(len(y), generator=g)[:PROBE_SIZE]
        return x[idx], y[idx]


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
