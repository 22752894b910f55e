"""The classical baselines: each improves a signal it is made for, and the noise estimate finds the noise."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DATA_ROOT, has_dataset

from goodfit.data.audio import read_audio
from goodfit.data.noise import make_noise, mix
from goodfit.denoise.baselines import BASELINES, frame_params, noise_psd, spectral_gating, wiener
from goodfit.metrics.audio import si_sdr

SR = 8000
needs_fsdd = pytest.mark.skipif(not has_dataset("fsdd"), reason="FSDD recordings not present")


def _tone_in_noise(seed: int = 0, level: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(2 * SR) / SR
    clean = np.sin(2 * np.pi * 440 * t) * ((t > 0.4) & (t < 1.5))  # pauses before and after: noise alone
    return clean, (clean + level * np.random.default_rng(seed).standard_normal(len(t))).astype(np.float32)


def test_frame_params_are_32_ms_with_75_percent_overlap():
    assert frame_params(8000) == (256, 64)
    assert frame_params(16000) == (512, 128)


def test_noise_psd_reads_the_quiet_frames():
    power = np.ones((5, 100))
    power[:, 30:80] = 50.0  # "speech" in half the frames
    np.testing.assert_allclose(noise_psd(power), np.ones(5))


def test_wiener_improves_a_tone_in_white_noise():
    clean, noisy = _tone_in_noise()
    before, after = si_sdr(clean, noisy), si_sdr(clean, wiener(noisy, sr=SR))
    assert after > before + 5, (before, after)


@needs_fsdd
@pytest.mark.parametrize(("method", "gain_db"), [(wiener, 4.0), (spectral_gating, 0.5)])
def test_baselines_improve_real_speech_in_white_noise(method, gain_db):
    clean = np.concatenate([read_audio(DATA_ROOT / "fsdd" / "recordings" / f"{d}_theo_3.wav")[0] for d in range(6)])
    noisy = mix(clean, make_noise("white", len(clean), sr=SR, rng=np.random.default_rng(0)), snr_db=0.0)
    before, after = si_sdr(clean, noisy), si_sdr(clean, method(noisy, sr=SR))
    assert after > before + gain_db, (before, after)


def test_wiener_leaves_clean_speech_nearly_alone():
    clean, _ = _tone_in_noise()
    quiet = clean + 1e-4 * np.random.default_rng(1).standard_normal(len(clean))  # far above the noise floor
    assert si_sdr(clean, wiener(quiet.astype(np.float32), sr=SR)) > 30


def test_every_baseline_keeps_the_length():
    _, noisy = _tone_in_noise()
    for entry in BASELINES:
        out = entry.factory()(noisy[:12345], sr=SR)
        assert out.shape == (12345,) and out.dtype == np.float32 and np.isfinite(out).all()
