"""Weight penalties. L1 done right: the sum of ``|w|`` over weight tensors.

The course's classic broken version, ``torch.norm(model.parameters(), 1)``, raises (a generator
is not a tensor) or, written as ``sum(torch.norm(p, 1) for p in ...)`` over the wrong tensors,
penalizes biases and batch-norm scales too; the lint (``goodfit check``) detects both.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["NORM_LAYERS", "weight_tensors", "l1_penalty"]

# normalization layers: no L1 on their scales; their own learning rate under optim.norm_lr_scale
NORM_LAYERS = tuple(getattr(nn, name) for name in (
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
    "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
    "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm",
) if hasattr(nn, name))  # RMSNorm: torch >= 2.4


def weight_tensors(model: nn.Module) -> list[nn.Parameter]:
    """The ``weight`` parameters of every layer except normalization layers (no biases); a Keras layer's
    weight tensor is its ``kernel`` (:class:`goodfit.models.keras.KerasModule`)."""
    return [
        w for m in model.modules() if not isinstance(m, NORM_LAYERS)
        for w in (getattr(m, "weight", None), getattr(m, "kernel", None))
        if isinstance(w, nn.Parameter) and w.requires_grad
    ]


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """``sum(|w|)`` over :func:`weight_tensors`, differentiable (its gradient is ``sign(w)``).

    Examples:
        >>> m = nn.Linear(2, 1)
        >>> with torch.no_grad():
        ...     _ = m.weight.copy_(torch.tensor([[1.0, -2.0]])); _ = m.bias.fill_(5.0)
        >>> l1_penalty(m).item()  # the bias is not penalized
        3.0
    """
    weights = weight_tensors(model)
    if not weights:
        return torch.zeros(())
    return torch.stack([w.abs().sum() for w in weights]).sum()
