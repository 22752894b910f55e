"""Optimizers and learning-rate schedules from the config."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.config import OptimConfig
from goodfit.errors import ConfigError
from goodfit.train.penalties import NORM_LAYERS

__all__ = ["build_optimizer", "build_scheduler", "param_groups", "TRIANGLE"]

# optim.schedule=triangle (airbench94): lr x 0.2 at the start, x 1 after 23 % of the steps, x 0.07 at the end
TRIANGLE = ((0.0, 0.23, 1.0), (0.2, 1.0, 0.07))


def param_groups(model: nn.Module, cfg: OptimConfig) -> list[dict[str, Any]]:
    """The model's parameters as optimizer groups: all in one, or with ``optim.norm_lr_scale != 1`` the
    normalization layers' own in a second group whose learning rate is ``lr × norm_lr_scale`` and whose
    weight decay is divided by it, so that the decay each step (lr × weight_decay) stays as it was.

    Examples:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        >>> groups = param_groups(net, OptimConfig(lr=0.1, weight_decay=1e-3, norm_lr_scale=64))
        >>> [len(g["params"]) for g in groups], groups[1]["lr"], groups[1]["weight_decay"]
        ([2, 2], 6.4, 1.5625e-05)
    """
    params = list(model.parameters())
    if cfg.norm_lr_scale == 1:
        return [{"params": params}]
    norm = {id(p) for m in model.modules() if isinstance(m, NORM_LAYERS) for p in m.parameters(recurse=False)}
    if not norm:
        raise ConfigError(f"optim.norm_lr_scale={cfg.norm_lr_scale:g} scales the learning rate of normalization "
                          "layers, and this model has none; leave it at 1")
    scale = cfg.norm_lr_scale
    return [{"params": [p for p in params if id(p) not in norm]},
            {"params": [p for p in params if id(p) in norm], "lr": cfg.lr * scale,
             "weight_decay": cfg.weight_decay / scale}]


def build_optimizer(params: nn.Module | Iterable, cfg: OptimConfig, *, device: torch.device) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD over a model's :func:`param_groups` (or the parameters or groups given).
    Where torch has fused kernels (CPU, CUDA) they are used: one kernel launch per step for all
    parameters instead of one per tensor (the same updates).

    Examples:
        >>> opt = build_optimizer(torch.nn.Linear(2, 2), OptimConfig(), device=torch.device("cpu"))
        >>> type(opt).__name__, opt.defaults["fused"]
        ('Adam', True)
    """
    if isinstance(params, nn.Module):
        params = param_groups(params, cfg)
    fused = {"fused": True} if device.type in ("cpu", "cuda") else {}
    if cfg.name in ("adam", "adamw"):
        cls = torch.optim.Adam if cfg.name == "adam" else torch.optim.AdamW
        return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay, **fused)
    return torch.optim.SGD(
        params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0,
        weight_decay=cfg.weight_decay, **fused,
    )


def build_scheduler(
    opt: torch.optim.Optimizer, cfg: OptimConfig, *, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Stepped once per batch. ``constant`` → None (no per-step work at all). Every schedule scales
    each group's own learning rate (see :func:`param_groups`)."""
    steps = max(total_steps, 1)
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups], total_steps=steps)
    if cfg.schedule == "triangle":
        at, factor = TRIANGLE
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda i: float(np.interp(i / steps, at, factor)))
    return None
