"""Mask networks: waveform in, waveform out; the training loss is the SI-SDR metric; a few steps learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from goodfit.denoise.config import MaskModelConfig
from goodfit.denoise.models import DENOISERS, create_denoiser, neg_si_sdr, spectral_loss
from goodfit.metrics.audio import si_sdr


@pytest.mark.parametrize("name", [e.name for e in DENOISERS])
def test_every_denoiser_keeps_the_shape_and_masks_in_0_1(name):
    net = create_denoiser(MaskModelConfig(name=name, hidden=8, layers=1))
    x = torch.randn(3, 2000)
    assert net(x).shape == (3, 2000)
    mask = net.mask(net.spectrum(x))
    assert mask.min() >= 0 and mask.max() <= 1


def test_a_mask_of_ones_gives_the_input_back():
    net = create_denoiser(MaskModelConfig(hidden=8, layers=1))
    torch.nn.init.zeros_(net.out.weight)
    torch.nn.init.constant_(net.out.bias, 50.0)  # sigmoid(50) = 1: the STFT round trip alone
    x = torch.randn(2, 3000)
    torch.testing.assert_close(net(x), x, atol=1e-4, rtol=0)


def test_neg_si_sdr_is_the_metric():
    rng = np.random.default_rng(0)
    clean = rng.normal(size=(4, 1000))
    est = clean + rng.normal(scale=0.5, size=(4, 1000))
    loss = neg_si_sdr(torch.from_numpy(est), torch.from_numpy(clean))
    assert float(loss) == pytest.approx(-np.mean(si_sdr(clean, est)), abs=1e-4)


def test_losses_are_zero_or_best_for_a_perfect_estimate():
    x = torch.randn(2, 2000)
    assert float(spectral_loss(x, x)) == pytest.approx(0.0, abs=1e-6)
    assert float(neg_si_sdr(x, x)) < -60


def test_a_few_steps_on_white_noise_learn_to_denoise():
    torch.manual_seed(0)
    net = create_denoiser(MaskModelConfig(name="mask-conv", hidden=32, layers=1))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    t = torch.arange(4000) / 8000
    clean = torch.stack([torch.sin(2 * torch.pi * f * t) for f in (300.0, 500.0, 700.0, 900.0)])
    losses = []
    for _ in range(40):
        noisy = clean + 0.5 * torch.randn_like(clean)
        loss = neg_si_sdr(net(noisy), clean)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 3
