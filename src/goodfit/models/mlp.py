"""The course's multi-layer perceptron: flatten → [Linear → (BN) → act → (Dropout)]* → Linear (→ unflatten)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from goodfit.errors import ConfigError

__all__ = ["MLP", "ACTIVATIONS", "make_activation"]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}


def make_activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None


class MLP(nn.Module):
    """Fully connected network returning raw outputs: logits for a classifier (the loss owns the
    softmax), values for regression, or an array shaped like the input (an autoencoder / denoiser).

    Examples:
        >>> MLP((1, 28, 28), 10)(torch.zeros(2, 1, 28, 28)).shape  # 784-64-64-64-10
        torch.Size([2, 10])
        >>> MLP((1, 8, 8), (1, 8, 8), hidden=(16,))(torch.zeros(2, 1, 8, 8)).shape  # 64-16-64, unflattened
        torch.Size([2, 1, 8, 8])
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        output_shape: int | Sequence[int],
        *,
        hidden: Sequence[int] = (64, 64, 64),
        activation: str = "relu",
        dropout: float = 0.0,
        batchnorm: bool = False,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in hidden:
            layers.append(nn.Linear(width, h, bias=not batchnorm))
            if batchnorm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        layers.append(nn.Linear(width, math.prod(shape)))
        if len(shape) > 1:
            layers.append(nn.Unflatten(1, shape))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, *input_shape) -> (B, *output_shape)
        return self.net(x)
