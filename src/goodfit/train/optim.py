"""Optimizers and learning-rate schedules from the config."""

from __future__ import annotations

import torch

from goodfit.config import OptimConfig

__all__ = ["build_optimizer", "build_scheduler"]


def build_optimizer(params, cfg: OptimConfig, *, device: torch.device) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD. Where torch has fused kernels (CPU, CUDA) they are used: one kernel
    launch per step for all parameters instead of one per tensor (the same updates).

    Examples:
        >>> opt = build_optimizer(torch.nn.Linear(2, 2).parameters(), OptimConfig(), device=torch.device("cpu"))
        >>> type(opt).__name__, opt.defaults["fused"]
        ('Adam', True)
    """
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
    """Stepped once per batch. ``constant`` → None (no per-step work at all)."""
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(total_steps, 1))
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=max(total_steps, 1))
    return None
