"""Optimizers and learning-rate schedules from the config."""

from __future__ import annotations

import torch

from goodfit.config import OptimConfig

__all__ = ["build_optimizer", "build_scheduler"]


def build_optimizer(params, cfg: OptimConfig, *, device: torch.device) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD. Adam-family optimizers use the fused kernel (one launch per step
    instead of one per tensor), which torch provides on CPU and CUDA."""
    fused = {"fused": True} if device.type in ("cpu", "cuda") else {}
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, **fused)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, **fused)
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
