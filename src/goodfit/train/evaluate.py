"""Evaluation: eval mode, no autograd, big batches. Pure apart from the model's forward pass."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.metrics import classification_summary

__all__ = ["predict_logits", "evaluate_split"]


def predict_logits(
    model: nn.Module, x: torch.Tensor | np.ndarray, *, device: torch.device | str = "cpu",
    batch_size: int = 2048, amp_dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Logits for ``x`` (on the CPU), computed in eval mode; the model's mode is restored after.

    Example:
        >>> m = nn.Linear(4, 3)
        >>> predict_logits(m, torch.zeros(5, 4)).shape
        torch.Size([5, 3])
    """
    device = torch.device(device)
    x = torch.as_tensor(x)
    was_training = model.training
    model.eval()
    outs = []
    try:
        with torch.inference_mode(), torch.autocast(device.type, dtype=amp_dtype or torch.float32,
                                                    enabled=amp_dtype is not None):
            for i in range(0, len(x), batch_size):
                outs.append(model(x[i : i + batch_size].to(device, non_blocking=True)).float().cpu())
    finally:
        model.train(was_training)
    return torch.cat(outs) if outs else torch.empty(0)


def evaluate_split(
    model: nn.Module, x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, *,
    n_classes: int, device: torch.device | str = "cpu", amp_dtype: torch.dtype | None = None,
) -> tuple[dict[str, Any], torch.Tensor]:
    """Loss, accuracy, macro P/R/F1 and confusion matrix of ``model`` on one split, plus its logits."""
    logits = predict_logits(model, x, device=device, amp_dtype=amp_dtype)
    y_t = torch.as_tensor(y).cpu()
    loss = float(F.cross_entropy(logits, y_t)) if len(y_t) else float("nan")
    summary = classification_summary(y_t.numpy(), logits.argmax(1).numpy(), n_classes)
    return {"loss": loss, **summary}, logits
