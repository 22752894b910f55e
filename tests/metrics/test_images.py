"""PSNR and MSE against closed forms and scikit-image's definition."""

import numpy as np
import pytest

from goodfit.metrics import image_summary, mse, psnr


def test_psnr_closed_form():
    clean = np.zeros((3, 1, 8, 8))
    noisy = clean + 0.1  # MSE 0.01 everywhere: 10 log10(1 / 0.01) = 20 dB
    assert psnr(clean, noisy, data_range=1.0) == pytest.approx(20.0)
    assert psnr(clean, noisy, data_range=255.0) == pytest.approx(20 * np.log10(255 / 0.1))
    assert mse(clean, noisy) == pytest.approx(0.01)


def test_per_image_mean_vs_pooled_and_exact_copies():
    a = np.zeros((2, 4))
    b = np.array([[0.1] * 4, [0.0] * 4])  # one exact image: counted as 100 dB, not infinity
    assert psnr(a, b, data_range=1.0) == pytest.approx((20.0 + 100.0) / 2)
    assert psnr(a, b, data_range=1.0, per_image=False) == pytest.approx(10 * np.log10(1 / 0.005))


def test_against_skimage_definition():
    rng = np.random.default_rng(0)
    x = rng.random((5, 1, 16, 16))
    y = np.clip(x + rng.normal(0, 0.05, x.shape), 0, 1)
    per = [10 * np.log10(1.0 / np.mean((x[i] - y[i]) ** 2)) for i in range(5)]  # skimage's peak_signal_noise_ratio
    assert image_summary(x, y, data_range=1.0)["psnr"] == pytest.approx(np.mean(per))
