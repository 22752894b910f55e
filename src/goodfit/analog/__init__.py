"""Hardware-aware training for analog accelerators: a faithful mock of a BrainScaleS-2-style chip.

The chip's layers and the ``analog-mlp`` model live with the models (:mod:`goodfit.models.analog`);
this package holds what is built on trained runs: the float-vs-analog comparison, the robustness
study and the integer export (re-exporting the chip's pieces for convenience).

The chip computes a vector-matrix multiply in analog: 5-bit input codes, 6-bit signed weights,
128-row chunks read out separately by an 8-bit ADC with gain and noise (docs/analog.md). Training
through this mock (straight-through gradients) makes a network that still works on the chip.

Examples:
    >>> from goodfit.analog import AnalogConfig, AnalogMLP
    >>> model = AnalogMLP((1, 28, 28), 10, config=AnalogConfig(noise=0))
    >>> model(torch.zeros(2, 1, 28, 28)).tolist()  # no input current, no output
    [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
"""

from __future__ import annotations

import importlib
from typing import Any

import torch  # noqa: F401  (for the doctest namespace)

from goodfit.config import AnalogConfig
from goodfit.models.analog import (
    AnalogLinear,
    AnalogMLP,
    ConvertingReLU,
    chunk_sums,
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

# the studies import goodfit.experiment (torch, data, training): loaded when first used
_LAZY = {
    "budget_config": "goodfit.analog.experiments",
    "chip_variant": "goodfit.analog.experiments",
    "compare": "goodfit.analog.experiments",
    "robustness": "goodfit.analog.experiments",
    "export_run": "goodfit.analog.export",
    "integer_forward": "goodfit.analog.export",
}

__all__ = [
    "AnalogConfig",
    "budget_config",
    "chip_variant",
    "compare",
    "robustness",
    "export_run",
    "integer_forward",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'goodfit.analog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
