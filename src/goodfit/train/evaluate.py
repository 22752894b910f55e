"""Evaluation: eval mode, no autograd, big batches; the task turns outputs into metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.data.streaming import ScaledRows
from goodfit.errors import ConfigError
from goodfit.tasks import Classification, Task

__all__ = ["predict_logits", "evaluate_split", "check_tta", "TTAS"]

TTAS = ("none", "flip", "flip-translate")  # train.tta: test-time views of the evaluation after training


def check_tta(tta: str, input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None = None) -> None:
    """A one-line error, before any training, if ``tta`` cannot apply to inputs of ``input_shape`` and
    outputs of ``output_shape`` (per sample; None: not known yet): the views are images moved and mirrored.

    Examples:
        >>> check_tta("flip-translate", (3, 32, 32), (10,))
        >>> check_tta("flip", (784,), (10,))
        Traceback (most recent call last):
        ...
        goodfit.errors.ConfigError: train.tta=flip mirrors images (N, C, H, W); ...: use train.tta=none
    """
    if tta not in TTAS:
        raise ConfigError(f"unknown train.tta={tta!r}; choose one of {', '.join(TTAS)}")
    if tta != "none" and len(input_shape) != 3:
        shape = ", ".join(["N", *map(str, input_shape)])
        raise ConfigError(f"train.tta={tta} mirrors images (N, C, H, W); these inputs are ({shape}): "
                          "use train.tta=none")
    if tta == "flip-translate" and output_shape is not None and len(output_shape) != 1:
        raise ConfigError(_NOT_SCORES)


_NOT_SCORES = ("train.tta=flip-translate moves the image, and this model's outputs are not class scores; "
               "use train.tta=flip")


def predict_logits(
    model: nn.Module, x: torch.Tensor | np.ndarray | ScaledRows, *, device: torch.device | str = "cpu",
    batch_size: int = 2048, amp_dtype: torch.dtype | None = None, tta: str = "none",
) -> torch.Tensor:
    """Logits for ``x`` (on the CPU), computed in eval mode; the model's mode is restored after.

    ``tta="flip"`` (``train.tta``): the mean of the outputs for each image and its mirror image (left
    and right swapped), a free point or so of accuracy on natural images; outputs that are images
    themselves (denoising) are mirrored back before averaging. ``tta="flip-translate"`` (airbench94):
    half that, and half the same for the image moved one pixel up-left and one pixel down-right
    (reflected at the border); for class scores only.

    Examples:
        >>> m = nn.Linear(4, 3)
        >>> predict_logits(m, torch.zeros(5, 4)).shape
        torch.Size([5, 3])
    """
    device = torch.device(device)
    x = x if isinstance(x, ScaledRows) else torch.as_tensor(x)  # rows from disk: read chunk by chunk
    check_tta(tta, tuple(x.shape[1:]))  # the outputs' shape is checked by _views, once they exist
    param = next(model.parameters(), None)
    # a float64 model (train.dtype=float64) gets float64 inputs
    floating = not isinstance(x, torch.Tensor) or x.is_floating_point()  # streamed rows are float32
    dtype = param.dtype if param is not None and param.is_floating_point() and floating else None
    was_training = model.training
    model.eval()
    outs = []
    try:
        with torch.inference_mode(), torch.autocast(device.type, dtype=amp_dtype or torch.float32,
                                                    enabled=amp_dtype is not None):
            for i in range(0, len(x), batch_size):
                xb = torch.as_tensor(x[i : i + batch_size]).to(device=device, dtype=dtype, non_blocking=True)
                outs.append(_views(model, xb, tta).cpu())
    finally:
        model.train(was_training)
    return torch.cat(outs) if outs else torch.empty(0)


def _views(model: nn.Module, xb: torch.Tensor, tta: str) -> torch.Tensor:
    """The outputs for one batch, averaged over the test-time views of :func:`predict_logits`."""
    out = model(xb).float()
    if tta == "none":
        return out
    mirrored = model(xb.flip(-1)).float()
    out = (out + (mirrored.flip(-1) if mirrored.ndim == 4 else mirrored)) / 2
    if tta == "flip":
        return out
    if out.ndim != 2:
        raise ConfigError(_NOT_SCORES)
    h, w = xb.shape[-2:]
    padded = F.pad(xb, (1, 1, 1, 1), mode="reflect")
    moved = (_views(model, padded[..., :h, :w], "flip") + _views(model, padded[..., 2:, 2:], "flip")) / 2
    return (out + moved) / 2


def evaluate_split(
    model: nn.Module, x: torch.Tensor | np.ndarray | ScaledRows, y: torch.Tensor | np.ndarray, *,
    task: Task | None = None, n_classes: int | None = None, device: torch.device | str = "cpu",
    amp_dtype: torch.dtype | None = None, tta: str = "none",
) -> tuple[dict[str, Any], torch.Tensor]:
    """Every metric of ``task`` (loss, accuracy / AUROC / R² / PSNR, ...) for ``model`` on one split,
    plus its raw outputs. Without a task: classification with ``n_classes`` classes.

    Examples:
        >>> m = nn.Linear(4, 3)
        >>> stats, out = evaluate_split(m, torch.zeros(5, 4), torch.zeros(5, dtype=torch.long), n_classes=3)
        >>> sorted(stats)[:3], out.shape
        (['accuracy', 'confusion_matrix', 'f1_macro'], torch.Size([5, 3]))
    """
    if task is None:
        if n_classes is None:
            raise TypeError("evaluate_split needs a task, or n_classes for a classifier")
        task = Classification(n_classes=n_classes)
    outputs = predict_logits(model, x, device=device, amp_dtype=amp_dtype, tta=tta)
    return task.evaluate(outputs, torch.as_tensor(y).cpu()), outputs
