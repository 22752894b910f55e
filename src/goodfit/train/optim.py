"""Optimizers and learning-rate schedules from the config."""

from __future__ import annotations

import torch

from goodfit.config import OptimConfig
from goodfit.train.lean_adam import LeanAdam, LeanAdamW

__all__ = ["build_optimizer", "build_scheduler"]


def build_optimizer(params, cfg: OptimConfig, *, device: torch.device) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD. Where torch has fused kernels (CPU, CUDA) they are used: one launch per
    step instead of one per tensor; Adam and AdamW also skip torch's per-parameter Python around
    the kernel (:class:`~goodfit.train.lean_adam.LeanAdam`, same updates, same state dict)."""
    fused = device.type in ("cpu", "cuda")
    if cfg.name in ("adam", "adamw"):
        if fused:
            cls = LeanAdam if cfg.name == "adam" else LeanAdamW
            return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        cls = torch.optim.Adam if cfg.name == "adam" else torch.optim.AdamW
        return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(
        params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0,
        weight_decay=cfg.weight_decay, **({"fused": True} if fused else {}),
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
