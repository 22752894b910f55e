"""The course's BrainScaleS-2 MLP: 784-256-256-10 on the (mock) analog chip.

Inputs in [0, 1] (``data.scaling=minmax01``, which ``Config`` requires for this model) become chip
codes ``round(x * 31)``; each layer is an :class:`~goodfit.models.analog.AnalogLinear` followed, between
layers, by the chip's :class:`~goodfit.models.analog.ConvertingReLU`. The last layer's digitally summed
integer read-outs are the chip's answer; the host multiplies them by ``logit_scale`` (0.1) to get
the logits for the loss. Read-outs of tens of LSB would make the softmax overconfident from the
first step (an untrained loss of ~7 instead of ln 10); the scale changes no prediction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from goodfit.config import AnalogConfig
from goodfit.models.analog.layers import AnalogLinear, ConvertingReLU
from goodfit.models.analog.quant import encode_input, input_max, output_range

__all__ = ["AnalogMLP"]

NOMINAL = AnalogConfig()  # the default chip


class AnalogMLP(nn.Module):
    """flatten → input codes → [AnalogLinear → ConvertingReLU]* → AnalogLinear → integer logits.

    Args:
        input_shape: one sample's shape, e.g. ``(1, 28, 28)``; values expected in [0, 1].
        n_classes: output columns.
        config: the chip and the hidden sizes (``config.hidden``, default 256, 256).

    Examples:
        >>> model = AnalogMLP((1, 28, 28), 10, config=AnalogConfig(noise=0))
        >>> [(m.in_features, m.out_features) for m in model.analog_layers()]
        [(784, 256), (256, 256), (256, 10)]
        >>> model(torch.rand(4, 1, 28, 28)).shape
        torch.Size([4, 10])
    """

    def __init__(self, input_shape: Sequence[int], n_classes: int, *,
                 config: AnalogConfig = NOMINAL) -> None:
        super().__init__()
        self.config = config
        width = math.prod(input_shape)
        in_max, top = output_range(config.output_bits)[1], input_max(config.input_bits)
        layers: list[nn.Module] = []
        for i, h in enumerate(config.hidden):
            layers += [AnalogLinear(width, h, config=config, layer=i),
                       ConvertingReLU(config.relu_shift, in_max=in_max, out_max=top)]
            width = h
        layers.append(AnalogLinear(width, n_classes, config=config, layer=len(config.hidden)))
        self.net = nn.Sequential(*layers)

    def analog_layers(self) -> list[AnalogLinear]:
        """The :class:`AnalogLinear` layers, input first."""
        return [m for m in self.net if isinstance(m, AnalogLinear)]

    def reset_noise(self) -> None:
        """Restart every layer's seeded noise sequence (no effect when ``config.seed`` is None)."""
        for layer in self.analog_layers():
            layer.reset_noise()

    def encode(self, x: torch.Tensor) -> torch.Tensor:  # (B, *input_shape) in [0, 1] -> (B, D) codes
        """The first layer's input codes: ``round(x * (2**input_bits - 1))``, saturated."""
        return encode_input(x.flatten(1), self.config.input_bits)

    def integer_logits(self, x: torch.Tensor) -> torch.Tensor:  # (B, *input_shape) -> (B, n_classes)
        """The chip's output: the last layer's summed read-outs (integers in a float tensor)."""
        return self.net(self.encode(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, *input_shape) -> (B, n_classes)
        return self.integer_logits(x) * self.config.logit_scale
