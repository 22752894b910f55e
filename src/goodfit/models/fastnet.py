"""A fast CIFAR network in the spirit of airbench (Jordan, 2024, "94 % on CIFAR-10 in 3.29 seconds").

A 2×2 convolution stem, then three blocks of conv 3×3 → max-pool 2 → batch norm → GELU → conv 3×3 →
batch norm → GELU (widths 64, 256, 256 by default: 32 → 31 → 15 → 7 → 3 pixels), a global max-pool and a
linear head without bias whose logits are scaled down (``1/9`` as in airbench: small initial logits,
a calm start at large learning rates). Pooling right after the first convolution of each block keeps
the second one at a quarter of the pixels: most of the compute is spent at low resolution, which is
why it trains fast on a CPU too. What airbench adds on top (patch-whitening stem initialised from the
data, lookahead, frozen batch-norm scales, progressive test-time translation) is left out.

Examples:
    >>> import torch
    >>> FastNet((3, 32, 32), 10)(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from goodfit.models.mlp import make_activation

__all__ = ["FastNet", "FASTNET_WIDTHS"]

FASTNET_WIDTHS = (64, 256, 256)
LOGIT_SCALE = 1 / 9


class _Block(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, activation: str) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(c_out),
            make_activation(activation),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), make_activation(activation),
        )


class FastNet(nn.Module):
    """Stem (2×2 conv, ``stem`` channels) → one block per width → global max-pool → linear (no bias) × 1/9."""

    def __init__(self, input_shape: Sequence[int], n_classes: int, *, widths: Sequence[int] = FASTNET_WIDTHS,
                 stem: int = 24, activation: str = "gelu") -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(input_shape[0], stem, 2, bias=False), nn.BatchNorm2d(stem),
                                  make_activation(activation))
        blocks, c_in = [], stem
        for width in widths:
            blocks.append(_Block(c_in, width, activation))
            c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, n_classes, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, n_classes)
        features = self.blocks(self.stem(x)).amax(dim=(2, 3))  # (B, widths[-1])
        return self.head(features) * LOGIT_SCALE
