"""Quantizers of goodfit.models.analog.quant against hand-computed integers, and their STE gradients."""

import pytest
import torch

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


def test_ranges_of_the_nominal_chip():
    assert input_max(5) == 31 and weight_max(6) == 63 and output_range(8) == (-128, 127)
    assert input_max(1) == 1 and weight_max(3) == 7 and output_range(4) == (-8, 7)


@pytest.mark.parametrize("x, expected", [
    (-1.0, 0), (-0.01, 0), (0.0, 0), (0.5 / 31 - 1e-4, 0), (0.5 / 31 + 1e-4, 1), (0.5, 16),
    (10.4 / 31, 10), (10.6 / 31, 11), (1.0, 31), (1.02, 31), (7.0, 31),
])
def test_encode_input_rounds_and_clamps_to_5_bits(x, expected):
    assert encode_input(torch.tensor([x]), 5).item() == expected


def test_encode_input_one_bit_binarizes_at_half():
    assert encode_input(torch.tensor([0.0, 0.49, 0.5, 1.0]), 1).tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("w, expected", [
    (-5.0, -63), (-1.0, -63), (-62.6 / 63, -63), (-62.4 / 63, -62), (-0.5 / 63 - 1e-4, -1),
    (0.0, 0), (0.49 / 63, 0), (0.51 / 63, 1), (31.5 / 63 + 1e-6, 32), (1.0, 63), (1.5, 63),
])
def test_quantize_weight_to_signed_6_bits(w, expected):
    assert quantize_weight(torch.tensor([w], dtype=torch.float64), 6).item() == expected


def test_quantize_weight_full_scale():
    fs = 1 / 28  # 1/sqrt(784): the first layer's full scale
    w = torch.tensor([fs, -fs, fs / 4, 3 * fs], dtype=torch.float64)
    assert quantize_weight(w, 6, full_scale=fs).tolist() == [63, -63, 16, 63]  # 15.75 -> 16


def test_round_half_up_for_negative_values():
    # floor(x + 0.5): -2.5 -> -2, -2.6 -> -3 (not half-to-even, not half-away-from-zero)
    assert quantize(torch.tensor([-2.5, -2.6, -1.5, 2.5, 3.5]), -10, 10).tolist() == [-2, -3, -1, 3, 4]


@pytest.mark.parametrize("s, expected", [
    (0, 0), (249, 0), (250, 1), (749, 1), (750, 2), (-250, 0), (-251, -1), (-750, -1), (-751, -2),
    (63_249, 126), (63_250, 127), (63_749, 127), (63_750, 127), (10**6, 127),  # top: saturates at 127
    (-63_750, -127), (-64_250, -128), (-64_251, -128), (-10**6, -128),  # bottom: at -128
])
def test_read_out_gain_rounding_and_8_bit_saturation(s, expected):
    # 0.002 = 1/500: (s + 250) // 500, then clamp to -128..127
    out = read_out(torch.tensor([float(s)]), gain=gain_fraction(0.002), lo=-128, hi=127)
    assert out.item() == expected == max(-128, min(127, (s + 250) // 500))


def test_read_out_with_noise_shifts_before_rounding():
    s = torch.tensor([250.0, 250.0, 0.0])
    out = read_out(s, gain=(1, 500), lo=-128, hi=127, noise=torch.tensor([-0.6, 0.4, 126.7]))
    assert out.tolist() == [0, 1, 127]


def test_gain_fraction():
    assert gain_fraction(0.002) == (1, 500)
    assert gain_fraction(0.5) == (1, 2)
    num, den = gain_fraction(0.0012345)
    assert abs(num / den - 0.0012345) < 1e-9 and den <= 1 << 20


@pytest.mark.parametrize("shift, x, expected", [
    (1, -3.0, 0), (1, -0.5, 0), (1, 0.0, 0), (1, 1.9, 0), (1, 2.0, 1), (1, 3.99, 1), (1, 62.0, 31),
    (1, 63.0, 31), (1, 127.0, 31), (1, 500.0, 31),
    (0, 17.8, 17), (0, 31.0, 31), (0, 32.0, 31), (2, 127.0, 31), (2, 126.0, 31), (2, 123.0, 30),
    (3, 200.0, 15), (-2, 5.0, 20), (-2, 8.0, 31),
])
def test_converting_relu(shift, x, expected):
    assert converting_relu(torch.tensor([x]), shift, in_max=127, out_max=31).item() == expected


# --------------------------------------------------------------------------- gradients


def test_quantize_gradient_is_scale_inside_and_zero_when_saturated():
    x = torch.tensor([-2.0, -0.01, 0.0, 0.3, 1.0, 1.01, 2.0], dtype=torch.float64, requires_grad=True)
    quantize(x, 0, 31, scale=31.0).sum().backward()
    # -0.01*31 rounds to 0 (inside); 1.01*31 = 31.31 rounds to 31 (inside); 2*31 = 62 beyond
    assert x.grad.tolist() == [0.0, 31.0, 31.0, 31.0, 31.0, 31.0, 0.0]


@pytest.mark.parametrize("center", [8.0, 15.0, 20.3])
def test_quantize_gradient_matches_average_slope_inside(center):
    """Where defined: the finite difference over a window of many steps equals the STE slope."""
    h = 5.0  # wide enough to average the staircase; the window stays inside 0..31
    x = torch.tensor([center], dtype=torch.float64, requires_grad=True)
    quantize(x, 0, 31).backward()
    fd = (quantize(x.detach() + h, 0, 31) - quantize(x.detach() - h, 0, 31)) / (2 * h)
    assert x.grad.item() == pytest.approx(fd.item()) == 1.0


def test_quantize_gradient_matches_finite_difference_beyond_the_range():
    x = torch.tensor([40.0, -9.0], dtype=torch.float64, requires_grad=True)
    quantize(x, 0, 31).sum().backward()
    fd = (quantize(x.detach() + 1.0, 0, 31) - quantize(x.detach() - 1.0, 0, 31)) / 2.0
    assert x.grad.tolist() == fd.tolist() == [0.0, 0.0]


def test_read_out_gradient_is_gain_and_zero_when_saturated():
    s = torch.tensor([0.0, 5_000.0, -60_000.0, 64_000.0, -70_000.0], dtype=torch.float64, requires_grad=True)
    read_out(s, gain=(1, 500), lo=-128, hi=127).sum().backward()
    assert s.grad.tolist() == pytest.approx([0.002, 0.002, 0.002, 0.0, 0.0])


def test_read_out_gradient_matches_average_slope():
    s = torch.tensor([3_000.0], dtype=torch.float64, requires_grad=True)
    read_out(s, gain=(1, 500), lo=-128, hi=127).backward()
    h = 5_000.0
    up = read_out(s.detach() + h, gain=(1, 500), lo=-128, hi=127)
    down = read_out(s.detach() - h, gain=(1, 500), lo=-128, hi=127)
    assert s.grad.item() == pytest.approx(((up - down) / (2 * h)).item())


def test_read_out_gradient_scales_with_mismatch():
    s = torch.tensor([[100.0, 100.0]], dtype=torch.float64, requires_grad=True)
    m = torch.tensor([[1.0, 1.5]], dtype=torch.float64)
    read_out(s, gain=(1, 500), lo=-128, hi=127, mismatch=m).sum().backward()
    assert s.grad[0].tolist() == pytest.approx([0.002, 0.003])


def test_converting_relu_gradient():
    x = torch.tensor([-1.0, 0.0, 10.0, 63.5, 64.0, 126.0, 130.0], dtype=torch.float64, requires_grad=True)
    converting_relu(x, 1).sum().backward()
    # 63.5 -> 63 -> 31 (inside); 64 -> 32 > 31 saturates; 130 > 127 saturates
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0]


def test_converting_relu_gradient_matches_average_slope():
    x = torch.tensor([30.0], dtype=torch.float64, requires_grad=True)
    converting_relu(x, 1).backward()
    h = 16.0
    fd = (converting_relu(x.detach() + h, 1) - converting_relu(x.detach() - h, 1)) / (2 * h)
    assert x.grad.item() == fd.item() == 0.5


def test_quantize_passes_no_gradient_to_data_that_does_not_need_it():
    x = torch.rand(4, 3)
    assert not quantize(x, 0, 31, scale=31.0).requires_grad
