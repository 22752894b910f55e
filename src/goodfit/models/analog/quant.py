"""The chip's integer arithmetic as differentiable torch functions (straight-through estimators).

One rule for every quantizer here: **rounding is transparent to the gradient, clamping is not.**
The backward pass is the derivative of the same function without its rounding — 1 (times any
scale) inside the clamp range and 0 outside — so a saturated value passes no gradient, and a
value that rounds passes its gradient unchanged. Rounding is *half up* (``floor(x + 0.5)``), the
same rule the integer-only numpy re-implementation in :mod:`goodfit.analog.export` uses, so the
two agree bit for bit.

Examples:
    >>> x = torch.tensor([-3.0, 0.49, 0.5, 2.5, 40.0], requires_grad=True)
    >>> q = quantize(x, 0, 31)
    >>> q.tolist()
    [0.0, 0.0, 1.0, 3.0, 31.0]
    >>> q.sum().backward(); x.grad.tolist()  # clamped ends pass nothing, rounded values pass 1
    [0.0, 1.0, 1.0, 1.0, 0.0]
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import torch

__all__ = [
    "quantize",
    "converting_relu",
    "read_out",
    "encode_input",
    "quantize_weight",
    "input_max",
    "weight_max",
    "output_range",
    "gain_fraction",
]

GAIN_MAX_DENOMINATOR = 1 << 20  # the gain is applied as the exact fraction num/den nearest to it
EXACT_FLOAT32 = 1 << 24  # integers below this are exact in float32


class _Quantize(torch.autograd.Function):
    """``clamp(floor(x * scale + 0.5), lo, hi)``; backward ``scale`` where not saturated, else 0."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: float, lo: float, hi: float) -> torch.Tensor:
        v = torch.floor(x * scale + 0.5)
        if ctx.needs_input_grad[0]:  # ends included: a value that rounds to ±63 keeps learning
            ctx.save_for_backward((v >= lo) & (v <= hi))
            ctx.scale = scale
        return v.clamp_(lo, hi)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        (inside,) = ctx.saved_tensors
        return grad.mul(inside).mul_(ctx.scale), None, None, None


def quantize(x: torch.Tensor, lo: float, hi: float, *, scale: float = 1.0) -> torch.Tensor:
    """Scale, round half up, saturate to ``lo..hi``. Gradient ``scale`` inside the range, 0 beyond.

    Args:
        x: any float tensor.
        lo: smallest integer kept; below it the value saturates and passes no gradient.
        hi: largest integer kept; the ends themselves are inside.
        scale: multiplies ``x`` before rounding (and the gradient).

    Examples:
        >>> quantize(torch.tensor([-64.0, -63.4, 62.5, 70.0]), -63, 63).tolist()
        [-63.0, -63.0, 63.0, 63.0]
        >>> x = torch.tensor([-0.1, 0.0, 0.4, 1.0, 1.1], requires_grad=True)
        >>> q = quantize(x, 0, 31, scale=31.0); q.tolist()
        [0.0, 0.0, 12.0, 31.0, 31.0]
        >>> q.sum().backward(); x.grad.tolist()  # 31 inside (ends included), 0 where saturated
        [0.0, 31.0, 31.0, 31.0, 0.0]
    """
    return _Quantize.apply(x, float(scale), float(lo), float(hi))


class _ConvertingReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, shift: int, in_max: int, out_max: int) -> torch.Tensor:
        v = torch.floor(x)
        inside = (v >= 0) & (v <= in_max)
        factor = math.ldexp(1.0, -shift)  # >> shift; a power of two, so exact
        v = torch.floor(v.clamp_(0, in_max) * factor)
        inside &= v <= out_max
        ctx.save_for_backward(inside)
        ctx.factor = factor
        return v.clamp_(max=out_max)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        (inside,) = ctx.saved_tensors
        return grad.mul(inside).mul_(ctx.factor), None, None, None


def converting_relu(x: torch.Tensor, shift: int, *, in_max: int = 127, out_max: int = 31) -> torch.Tensor:
    """Floor, clamp to ``0..in_max``, shift right by ``shift`` bits, clamp to ``0..out_max``.

    A negative ``shift`` shifts left. Backward: straight through both floors, ``2**-shift``
    where neither clamp saturates, 0 where one does.

    Examples:
        >>> x = torch.tensor([-5.0, 0.5, 3.7, 9.0, 62.0, 200.0], requires_grad=True)
        >>> y = converting_relu(x, 1); y.tolist()  # 200 -> 127 -> 63 -> 31
        [0.0, 0.0, 1.0, 4.0, 31.0, 31.0]
        >>> y.sum().backward(); x.grad.tolist()
        [0.0, 0.5, 0.5, 0.5, 0.5, 0.0]
    """
    return _ConvertingReLU.apply(x, int(shift), int(in_max), int(out_max))


class _ReadOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, s: torch.Tensor, gain: tuple[int, int], lo: int, hi: int,
                mismatch: torch.Tensor | None, noise: torch.Tensor | None) -> torch.Tensor:
        num, den = gain
        if mismatch is None and noise is None:  # exact: (s * num + den // 2) // den
            exact_ok = s.dtype == torch.float64 or float(s.abs().max()) * num + den < EXACT_FLOAT32
            t = s if exact_ok else s.double()
            v = torch.floor((t * num + den // 2) / den).to(s.dtype)
        else:  # noise or mismatch make the value random anyway: plain float arithmetic
            gain = num / den if mismatch is None else (num / den) * mismatch
            v = s * gain if noise is None else torch.addcmul(noise, s, torch.as_tensor(gain, dtype=s.dtype))
            v = v.add_(0.5).floor_()
        inside = (v >= lo).logical_and_(v <= hi)
        ctx.save_for_backward(inside, mismatch)
        ctx.gain = num / den
        return v.clamp_(lo, hi)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        inside, mismatch = ctx.saved_tensors
        g = grad.mul(inside).mul_(ctx.gain)
        if mismatch is not None:
            g = g.mul_(mismatch)
        return g, None, None, None, None, None


def read_out(s: torch.Tensor, *, gain: tuple[int, int], lo: int, hi: int,
             mismatch: torch.Tensor | None = None, noise: torch.Tensor | None = None) -> torch.Tensor:
    """The ADC read-out of partial sums ``s``: ``gain * s (* mismatch) + noise``, rounded, saturated.

    Args:
        s: partial sums (integers held in a float tensor), any shape.
        gain: the gain as an exact fraction ``(num, den)`` (:func:`gain_fraction`).
        lo: the read-out's lowest value (-128 for 8 bits); below it the value saturates.
        hi: its highest value (127).
        mismatch: relative gain per element, broadcast against ``s``; None = all 1.
        noise: read-out noise in LSB, same shape as ``s``; None = none.

    Without noise and mismatch the result is exactly ``(s * num + den // 2) // den`` saturated —
    the integer arithmetic of the numpy re-implementation. Backward: ``gain (* mismatch)`` where
    the read-out is not saturated, 0 where it is.

    Examples:
        >>> s = torch.tensor([249.0, 250.0, -250.0, -251.0, 64_000.0, -70_000.0], requires_grad=True)
        >>> r = read_out(s, gain=(1, 500), lo=-128, hi=127); r.tolist()
        [0.0, 1.0, 0.0, -1.0, 127.0, -128.0]
        >>> r.sum().backward(); [round(g, 6) for g in s.grad.tolist()]
        [0.002, 0.002, 0.002, 0.002, 0.0, 0.0]
    """
    return _ReadOut.apply(s, gain, lo, hi, mismatch, noise)


def input_max(bits: int) -> int:
    """Largest unsigned input code: ``2**bits - 1`` (5 bits: 31).

    Examples:
        >>> input_max(5), input_max(1)
        (31, 1)
    """
    return (1 << bits) - 1


def weight_max(bits: int) -> int:
    """Largest weight magnitude; the sign is separate, so 6 bits span ``-63..63``.

    Examples:
        >>> weight_max(6)
        63
    """
    return (1 << bits) - 1


def output_range(bits: int) -> tuple[int, int]:
    """The signed ADC read-out range: 8 bits saturate at ``-128..127``.

    Examples:
        >>> output_range(8)
        (-128, 127)
    """
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def encode_input(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Map inputs in [0, 1] (``data.scaling=minmax01``) to chip codes ``round(x * (2**bits - 1))``.

    Values outside [0, 1] saturate. With ``bits=1`` this binarizes at 0.5.

    Examples:
        >>> encode_input(torch.tensor([0.0, 0.5, 1.0, 1.7, -0.2]), 5).tolist()
        [0.0, 16.0, 31.0, 31.0, 0.0]
        >>> encode_input(torch.tensor([0.49, 0.5]), 1).tolist()
        [0.0, 1.0]
    """
    top = input_max(bits)
    return quantize(x, 0, top, scale=top)


def quantize_weight(w: torch.Tensor, bits: int, *, full_scale: float = 1.0) -> torch.Tensor:
    """Float weights to integers ``round(w / full_scale * w_max)``, saturated to ``±w_max``.

    ``full_scale`` is the float weight that maps to the largest integer weight. Layers use
    ``1 / sqrt(in_features)`` — the bound of PyTorch's default ``nn.Linear`` initialization —
    so the float parameters live on the scale that ordinary learning rates are tuned for.
    The gradient is scaled by ``w_max / full_scale``.

    Examples:
        >>> quantize_weight(torch.tensor([-2.0, -0.5, 0.0, 0.1, 1.0]), 6).tolist()
        [-63.0, -31.0, 0.0, 6.0, 63.0]
        >>> quantize_weight(torch.tensor([0.05, 0.1]), 6, full_scale=0.1).tolist()
        [32.0, 63.0]
    """
    top = weight_max(bits)
    return quantize(w, -top, top, scale=top / full_scale)


def gain_fraction(gain: float) -> tuple[int, int]:
    """The gain as the exact fraction ``num / den`` (den <= 2**20) that the forward pass applies.

    Using an exact fraction lets an integer-only implementation (``(s * num + den // 2) // den``)
    reproduce the model's rounding bit for bit.

    Examples:
        >>> gain_fraction(0.002)
        (1, 500)
    """
    frac = Fraction(gain).limit_denominator(GAIN_MAX_DENOMINATOR)
    if frac.numerator <= 0:
        frac = Fraction(1, GAIN_MAX_DENOMINATOR)  # a positive gain below 1e-6 keeps its sign
    return frac.numerator, frac.denominator
