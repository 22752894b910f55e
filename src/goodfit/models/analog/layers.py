"""The chip's two building blocks: the analog vector-matrix multiply and the converting ReLU.

:class:`AnalogLinear` models one pass through a BrainScaleS-2-style synapse array:

1. inputs are unsigned integer codes (5 bits: 0..31), weights signed integers (6 bits: -63..63);
   the float weight parameter is quantized in every forward pass (:func:`quantize_weight`);
2. the input rows are split into chunks of ``chunk_rows`` (128); each chunk is one analog pass
   whose column currents give the partial sums ``s = x_chunk @ w_chunk`` (exact integers);
3. each chunk is read out on its own by the ADC — times ``gain`` (0.002), plus Gaussian noise
   (std ``noise`` = 2 LSB), rounded half up and saturated to 8 bits (-128..127) — and the
   chunk read-outs are summed digitally (no further saturation: the sum lives on the host).

Saturating each chunk's read-out, not the digital sum, is the physically faithful choice: the ADC
sees one chunk at a time. Backward: rounding is straight-through, a saturated read-out passes no
gradient, and ``d out / d s = gain`` — so gradients arrive at the weights scaled by the gain and
standard optimizers work at ordinary learning rates.

Examples:
    >>> from goodfit.config import AnalogConfig
    >>> layer = AnalogLinear(784, 10, config=AnalogConfig(noise=0))
    >>> x = torch.full((2, 784), 31.0)  # (B, in) input codes
    >>> y = layer(x)                     # (B, out) sums of 7 chunk read-outs
    >>> y.shape, bool((y == y.round()).all())
    (torch.Size([2, 10]), True)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from goodfit.config import AnalogConfig
from goodfit.models.analog.quant import (
    EXACT_FLOAT32,
    converting_relu,
    gain_fraction,
    input_max,
    output_range,
    quantize,
    quantize_weight,
    read_out,
    weight_max,
)

__all__ = ["AnalogLinear", "ConvertingReLU", "chunk_sums"]

INIT_FRACTION = 1.0  # weights start uniform in ±INIT_FRACTION of the full scale (±63)
MISMATCH_SEED_OFFSET = 1 << 32  # the mismatch pattern's seed, apart from the noise's
NOMINAL = AnalogConfig()  # the default chip


def chunk_sums(x: torch.Tensor, w: torch.Tensor, rows: int) -> torch.Tensor:
    """Partial sums of ``x @ w.T`` over consecutive chunks of ``rows`` inputs.

    Args:
        x: ``(B, n_in)`` inputs.
        w: ``(n_out, n_in)`` weights.
        rows: inputs per chunk; the last chunk holds the remainder (784 = 6 x 128 + 16).

    Returns:
        ``(n_chunks, B, n_out)``; summing over the first dimension gives ``x @ w.T``.

    Examples:
        >>> chunk_sums(torch.ones(1, 784), torch.ones(1, 784), 128)[:, 0, 0].tolist()
        [128.0, 128.0, 128.0, 128.0, 128.0, 128.0, 16.0]
    """
    batch, n_in = x.shape
    n_chunks = -(-n_in // rows)
    pad = n_chunks * rows - n_in
    if pad:  # zero rows add nothing to a partial sum
        x, w = F.pad(x, (0, pad)), F.pad(w, (0, pad))
    xc = x.reshape(batch, n_chunks, rows).transpose(0, 1)  # (C, B, rows)
    wc = w.reshape(w.shape[0], n_chunks, rows).permute(1, 2, 0)  # (C, rows, n_out)
    return torch.bmm(xc, wc)  # (C, B, n_out)


class AnalogLinear(nn.Module):
    """A linear layer computed as the analog chip computes it (no bias: the chip has none).

    Args:
        in_features: input rows; split into ``config.chunk_rows``-row chunks.
        out_features: output columns.
        config: bits, gain, noise, chunk size and seed (:class:`goodfit.config.AnalogConfig`).
        layer: position in the network; offsets ``config.seed`` so layers draw different noise.

    The forward pass takes input codes (float tensors holding integers; other values are rounded
    and clamped to ``0..2**input_bits-1``) and returns the digitally summed read-outs.
    ``weight_int()`` gives the integer weights the chip would hold.

    Examples:
        >>> from goodfit.config import AnalogConfig
        >>> layer = AnalogLinear(3, 1, config=AnalogConfig(noise=0, gain=0.5))
        >>> with torch.no_grad():  # in units of the full scale 1/sqrt(3)
        ...     _ = layer.weight.copy_(layer.full_scale * torch.tensor([[1.0, -1.0, 0.25]]))
        >>> layer.weight_int().tolist()
        [[63.0, -63.0, 16.0]]
        >>> layer(torch.tensor([[2.0, 1.0, 3.0]])).tolist()  # 0.5 * (126 - 63 + 48) = 55.5 -> 56
        [[56.0]]
    """

    def __init__(self, in_features: int, out_features: int, *, config: AnalogConfig = NOMINAL,
                 layer: int = 0) -> None:
        super().__init__()
        self.in_features, self.out_features, self.config = in_features, out_features, config
        self.n_chunks = -(-in_features // config.chunk_rows)
        self.gain_num, self.gain_den = gain_fraction(config.gain)
        self.full_scale = 1 / math.sqrt(in_features)  # the float weight that maps to ±w_max
        self.seed = None if config.seed is None else config.seed + 1_000_003 * layer
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.register_buffer("mismatch", self._mismatch_pattern(), persistent=False)
        self._generators: dict[torch.device, torch.Generator] = {}
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = INIT_FRACTION * self.full_scale
        nn.init.uniform_(self.weight, -bound, bound)

    def reset_noise(self) -> None:
        """Restart the seeded noise sequence (with ``config.seed`` set, noise then repeats)."""
        self._generators.clear()

    def weight_int(self) -> torch.Tensor:
        """The integer weights ``(out, in)`` in ``±(2**weight_bits - 1)``."""
        with torch.no_grad():
            return quantize_weight(self.weight, self.config.weight_bits, full_scale=self.full_scale)

    def extra_repr(self) -> str:
        c = self.config
        return (f"{self.in_features}, {self.out_features}, chunks={self.n_chunks}x{c.chunk_rows}, "
                f"gain={c.gain}, noise={c.noise}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, in) codes -> (B, out)
        c = self.config
        x_int = quantize(x, 0, input_max(c.input_bits))
        w_int = quantize_weight(self.weight, c.weight_bits, full_scale=self.full_scale)
        bound = c.chunk_rows * input_max(c.input_bits) * weight_max(c.weight_bits)
        dtype = torch.float64 if x.dtype == torch.float64 or bound >= EXACT_FLOAT32 else torch.float32
        with torch.autocast(x.device.type, enabled=False):  # half precision would not be exact
            s = chunk_sums(x_int.to(dtype), w_int.to(dtype), c.chunk_rows)  # (C, B, out)
            return self._read_out(s).sum(0).to(x.dtype)

    def _read_out(self, s: torch.Tensor) -> torch.Tensor:
        """Per chunk: gain, noise, round half up, saturate. ``s``: (C, B, out) exact integers."""
        c = self.config
        lo, hi = output_range(c.output_bits)
        noise = self._noise(s.shape, s.device).to(s.dtype) if c.noise > 0 else None
        mismatch = None if self.mismatch is None else self.mismatch.to(s.dtype)
        return read_out(s, gain=(self.gain_num, self.gain_den), lo=lo, hi=hi, mismatch=mismatch, noise=noise)

    def _noise(self, shape: torch.Size, device: torch.device) -> torch.Tensor:
        gen = None
        if self.seed is not None:
            gen = self._generators.get(device)
            if gen is None:
                gen = torch.Generator(device=device)
                gen.manual_seed(self.seed)
                self._generators[device] = gen
        return torch.randn(shape, generator=gen, device=device).mul_(self.config.noise)

    def _mismatch_pattern(self) -> torch.Tensor | None:
        """A fixed relative gain per (chunk, column): ``1 + gain_mismatch * N(0, 1)``, at least 0."""
        if self.config.gain_mismatch == 0:
            return None
        gen = None
        if self.seed is not None:
            gen = torch.Generator().manual_seed(self.seed + MISMATCH_SEED_OFFSET)
        z = torch.randn(self.n_chunks, 1, self.out_features, generator=gen)
        return torch.clamp(1 + self.config.gain_mismatch * z, min=0)  # (C, 1, out)


class ConvertingReLU(nn.Module):
    """The chip's activation: floor, clamp to ``0..in_max``, shift right, clamp to ``0..out_max``.

    It turns one layer's signed 8-bit sums into the next layer's 5-bit input codes. A negative
    ``shift`` shifts left (used when sweeping the input resolution above 5 bits). Backward:
    straight through the floors, ``2**-shift`` inside both clamp ranges, 0 outside.

    Examples:
        >>> relu = ConvertingReLU(1)
        >>> relu(torch.tensor([-5.0, 3.7, 9.0, 62.0, 200.0])).tolist()  # 200 -> 127 -> 63 -> 31
        [0.0, 1.0, 4.0, 31.0, 31.0]
    """

    def __init__(self, shift: int = 1, *, in_max: int = 127, out_max: int = 31) -> None:
        super().__init__()
        self.shift, self.in_max, self.out_max = shift, in_max, out_max

    def extra_repr(self) -> str:
        return f"shift={self.shift}, in_max={self.in_max}, out_max={self.out_max}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return converting_relu(x, self.shift, in_max=self.in_max, out_max=self.out_max)
