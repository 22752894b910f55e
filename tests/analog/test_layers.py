"""AnalogLinear and ConvertingReLU: chunked sums, per-chunk saturation, gradients, noise, seeds."""

import numpy as np
import pytest
import torch

from goodfit.analog import AnalogConfig, AnalogLinear, ConvertingReLU, chunk_sums
from goodfit.analog.export import chip_spec, integer_forward

EXACT = AnalogConfig(noise=0.0)


def _layer(n_in: int, n_out: int, w_int, config: AnalogConfig = EXACT) -> AnalogLinear:
    """A layer whose integer weights are exactly ``w_int``."""
    layer = AnalogLinear(n_in, n_out, config=config).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(w_int, dtype=torch.float64) * layer.full_scale / 63)
    assert torch.equal(layer.weight_int(), torch.as_tensor(w_int, dtype=torch.float64).expand(n_out, n_in))
    return layer


def test_chunk_sums_784_is_six_chunks_of_128_and_one_of_16():
    x = (torch.arange(784) % 32).float()[None]  # codes 0..31 repeating: 4 cycles per 128 rows
    s = chunk_sums(x, torch.ones(1, 784), 128)
    assert s.shape == (7, 1, 1)
    assert s.flatten().tolist() == [1984.0] * 6 + [120.0]  # 4 * (0+..+31); 0+..+15
    assert s.sum().item() == x.sum().item()


def test_each_chunk_saturates_alone_then_the_digital_sum_adds_them():
    layer = _layer(784, 1, torch.full((1, 784), 63.0))
    y = layer(torch.full((1, 784), 31.0, dtype=torch.float64))
    # full chunks: 128*31*63 = 249,984 -> 499.97 -> 127 (saturated); last: 16*31*63 = 31,248 -> 62.5 -> 62
    assert y.item() == 6 * 127 + 62
    layer = _layer(784, 1, torch.full((1, 784), -63.0))
    y = layer(torch.full((1, 784), 31.0, dtype=torch.float64))
    assert y.item() == 6 * -128 + -62  # -62.496 rounds half up to -62


def test_inputs_are_clamped_and_rounded_to_codes():
    layer = _layer(3, 1, [[63.0, 63.0, 63.0]], AnalogConfig(noise=0.0, gain=1 / 63))
    # codes: 40 -> 31, -3 -> 0, 2.5 -> 3: (31 + 0 + 3) * 63 / 63 = 34
    assert layer(torch.tensor([[40.0, -3.0, 2.5]], dtype=torch.float64)).item() == 34


@pytest.mark.parametrize("n_in, cfg", [
    (784, EXACT),
    (300, AnalogConfig(noise=0.0, chunk_rows=100, gain=0.01)),
    (64, AnalogConfig(noise=0.0, input_bits=8, weight_bits=8, chunk_rows=1024, gain=3e-4)),  # float64 path
])
def test_layer_equals_the_integer_reference(n_in, cfg):
    torch.manual_seed(0)
    layer = AnalogLinear(n_in, 50, config=cfg)
    x = torch.randint(0, 2 ** cfg.input_bits, (64, n_in)).float()
    expected, _ = integer_forward(x.long().numpy(), [layer.weight_int().long().numpy()],
                                  chip_spec(cfg))
    assert np.array_equal(layer(x).detach().numpy(), expected)


def test_weight_gradient_is_the_gain_times_inputs_where_nothing_saturates():
    torch.manual_seed(0)
    layer = AnalogLinear(300, 8, config=AnalogConfig(noise=0.0, gain=1e-3)).double()
    x = torch.randint(0, 32, (5, 300)).double().requires_grad_(True)
    grad_out = torch.randn(5, 8, dtype=torch.float64)
    (layer(x) * grad_out).sum().backward()
    # surrogate without rounding or clamping: y = gain * x @ (w * 63 / full_scale).T
    w = layer.weight.detach().clone().requires_grad_(True)
    x2 = x.detach().clone().requires_grad_(True)
    (1e-3 * x2 @ (w * 63 / layer.full_scale).T * grad_out).sum().backward()
    assert torch.allclose(layer.weight.grad, w.grad)
    w_int = layer.weight_int()
    assert torch.allclose(x.grad, grad_out @ (1e-3 * w_int))  # d y / d x = gain * integer weights


def test_weight_gradient_matches_finite_differences():
    """Where defined: over a step of many LSB the layer's slope matches the straight-through one."""
    cfg = AnalogConfig(noise=0.0, gain=0.01)
    layer = _layer(4, 1, [[10.0, -20.0, 5.0, 0.0]], cfg)
    x = torch.tensor([[31.0, 20.0, 7.0, 0.0]], dtype=torch.float64)
    layer(x).sum().backward()
    h = 20 * layer.full_scale / 63  # 20 weight LSB
    outs = []
    for sign in (1, -1):
        with torch.no_grad():
            layer.weight[0, 0] += sign * h
            outs.append(layer(x).item())
            layer.weight[0, 0] -= sign * h
    fd = (outs[0] - outs[1]) / (2 * h)
    grad = layer.weight.grad[0, 0].item()  # 0.01 * 31 * 63 / full_scale
    tolerance = (1 + 0.01 * 31) / (2 * h)  # one read-out LSB and one weight LSB of rounding
    assert grad == pytest.approx(0.01 * 31 * 63 / layer.full_scale)
    assert abs(fd - grad) <= tolerance


def test_a_saturated_chunk_passes_no_gradient():
    layer = _layer(256, 1, torch.full((1, 256), 63.0))
    x = torch.zeros(1, 256, dtype=torch.float64)
    x[0, :128] = 31.0  # chunk 0: 249,984 * 0.002 -> saturated; chunk 1: 10 * 31 * 63 * 0.002 = 3.9
    x[0, 128:138] = 31.0
    layer(x).sum().backward()
    g = layer.weight.grad[0]
    assert (g[:128] == 0).all()
    assert (g[128:138] > 0).all() and (g[138:] == 0).all()  # zero input rows get zero gradient


def test_noise_zero_is_deterministic():
    torch.manual_seed(0)
    layer = AnalogLinear(784, 16, config=EXACT)
    x = torch.randint(0, 32, (8, 784)).float()
    torch.manual_seed(1)
    a = layer(x)
    torch.manual_seed(2)
    assert torch.equal(a, layer(x))


def test_seeded_noise_repeats():
    cfg = AnalogConfig(noise=2.0, seed=7)
    torch.manual_seed(0)
    layer = AnalogLinear(784, 16, config=cfg)
    x = torch.randint(0, 32, (8, 784)).float()
    first, second = layer(x), layer(x)
    assert not torch.equal(first, second)  # the noise sequence goes on
    layer.reset_noise()
    assert torch.equal(layer(x), first)  # ... and restarts
    twin = AnalogLinear(784, 16, config=cfg)
    twin.load_state_dict(layer.state_dict())
    assert torch.equal(twin(x), first)
    other = AnalogLinear(784, 16, config=AnalogConfig(noise=2.0, seed=8))
    other.load_state_dict(layer.state_dict())
    assert not torch.equal(other(x), first)


def test_unseeded_noise_follows_the_global_seed():
    torch.manual_seed(0)
    layer = AnalogLinear(200, 4)
    x = torch.randint(0, 32, (8, 200)).float()
    torch.manual_seed(5)
    a = layer(x)
    torch.manual_seed(5)
    assert torch.equal(a, layer(x))


def test_noise_has_the_configured_std_per_chunk():
    layer = _layer(784, 1, torch.zeros(1, 784), AnalogConfig(noise=2.0, seed=0))
    y = layer(torch.zeros(20_000, 784, dtype=torch.float64))
    # 7 chunks, each round(N(0, 2^2)): variance 4 + 1/12 per chunk
    assert y.std().item() == pytest.approx((7 * (4 + 1 / 12)) ** 0.5, rel=0.05)
    assert abs(y.mean().item()) < 0.1


def test_gain_mismatch_is_a_fixed_seeded_pattern():
    cfg = AnalogConfig(noise=0.0, gain_mismatch=0.2, seed=3)
    torch.manual_seed(0)
    a, b = AnalogLinear(784, 16, config=cfg), AnalogLinear(784, 16, config=cfg)
    assert a.mismatch.shape == (7, 1, 16) and torch.equal(a.mismatch, b.mismatch)
    assert 0.1 < a.mismatch.std().item() < 0.3
    assert AnalogLinear(784, 16, config=EXACT).mismatch is None
    x = torch.randint(0, 32, (4, 784)).float()
    b.load_state_dict(a.state_dict())  # mismatch is not in the state dict: a chip property
    assert torch.equal(a(x), b(x)) and torch.equal(a(x), a(x))


def test_autocast_and_float64_give_the_same_integers():
    torch.manual_seed(0)
    layer = AnalogLinear(784, 32, config=EXACT)
    x = torch.randint(0, 32, (16, 784)).float()
    y = layer(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(layer(x).float(), y)
    assert torch.equal(layer.double()(x.double()).float(), y)


def test_converting_relu_module():
    relu = ConvertingReLU(1)
    assert relu(torch.tensor([-4.0, 7.0, 100.0])).tolist() == [0.0, 3.0, 31.0]
    assert "shift=1" in repr(relu)
