"""A small VGG-style CNN with batch norm (optional) for 28×28 and 32×32 inputs (any size ≥ 8 works)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from goodfit.models.mlp import make_activation

__all__ = ["ConvNet", "CONVNET_CHANNELS"]

CONVNET_CHANNELS = (32, 64)  # model.channels=() builds these stages


def _block(c_in: int, c_out: int, activation: str, batchnorm: bool) -> nn.Sequential:
    """Two 3×3 conv → BN → act, then 2×2 max-pool (halves H and W). Without batch norm the convs
    carry a bias (with it, BN's shift makes one redundant)."""
    layers: list[nn.Module] = []
    for c in (c_in, c_out):
        layers.append(nn.Conv2d(c, c_out, 3, padding=1, bias=not batchnorm))
        if batchnorm:
            layers.append(nn.BatchNorm2d(c_out))
        layers.append(make_activation(activation))
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class ConvNet(nn.Module):
    """VGG-style stages (``channels`` = width per stage), a 4×4 average pool, linear head.

    Examples:
        >>> ConvNet((3, 32, 32), 10, channels=(16, 32))(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        n_classes: int,
        *,
        channels: Sequence[int] = CONVNET_CHANNELS,
        activation: str = "relu",
        dropout: float = 0.0,
        batchnorm: bool = True,
    ) -> None:
        super().__init__()
        c_in = input_shape[0]
        stages = []
        for c in channels:
            stages.append(_block(c_in, c, activation, batchnorm))
            c_in = c
        self.features = nn.Sequential(*stages)
        # a 4x4 pooled map keeps where features are (a digit's stroke layout), unlike global pooling
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Dropout(dropout) if dropout > 0 else nn.Identity(),
            nn.Linear(c_in * 16, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, n_classes)
        return self.head(self.features(x))
