"""The mock BrainScaleS-2-style analog chip as torch layers: integer quantizers with straight-through
gradients (:mod:`~goodfit.models.analog.quant`), the chunked analog linear layer and the chip's
converting ReLU (:mod:`~goodfit.models.analog.layers`), and the course's ``analog-mlp``
(:mod:`~goodfit.models.analog.mlp`). Studies and export of trained runs live in :mod:`goodfit.analog`.
"""

from __future__ import annotations

from goodfit.models.analog.layers import AnalogLinear, ConvertingReLU, chunk_sums
from goodfit.models.analog.mlp import AnalogMLP
from goodfit.models.analog.quant import (
    converting_relu,
    encode_input,
    gain_fraction,
    input_max,
    output_range,
    quantize,
    quantize_weight,
    read_out,
    weight_max,
)

__all__ = [
    "AnalogLinear",
    "AnalogMLP",
    "ConvertingReLU",
    "chunk_sums",
    "converting_relu",
    "encode_input",
    "gain_fraction",
    "input_max",
    "output_range",
    "quantize",
    "quantize_weight",
    "read_out",
    "weight_max",
]
