"""Speech metrics: SNR and SI-SDR against their closed forms and torchmetrics' independent implementation;
PESQ and STOI through their packages, on real FSDD speech, with the edge cases that must give NaN."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import DATA_ROOT, has_dataset

from goodfit.data.audio import read_audio
from goodfit.metrics.audio import AUDIO_CEILING_DB, pesq, si_sdr, snr, stoi

SR = 8000


def _speech() -> np.ndarray:
    clips = [read_audio(DATA_ROOT / "fsdd" / "recordings" / f"{d}_george_0.wav")[0] for d in range(6)]
    return np.concatenate(clips)  # a few seconds: long enough for STOI's 384-ms windows


def _scaled_noise(clean: np.ndarray, db: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(size=clean.shape)
    noise -= noise.mean()
    noise -= clean * (noise @ clean) / (clean @ clean)  # orthogonal: SNR and SI-SDR agree exactly
    return noise * np.linalg.norm(clean) / np.linalg.norm(noise) / 10 ** (db / 20)


@pytest.mark.parametrize("db", [-5.0, 0.0, 7.5, 20.0])
def test_snr_and_si_sdr_closed_form(db):
    s = np.sin(np.linspace(0, 200, 4000))
    s -= s.mean()
    n = _scaled_noise(s, db)
    assert snr(s, s + n) == pytest.approx(db, abs=1e-9)
    assert si_sdr(s, s + n) == pytest.approx(db, abs=1e-6)


def test_si_sdr_ignores_loudness_but_snr_does_not():
    s = np.random.default_rng(1).normal(size=2000)
    est = s + _scaled_noise(s, 10.0)
    assert si_sdr(s, 0.25 * est) == pytest.approx(si_sdr(s, est), abs=1e-9)
    assert snr(s, 0.25 * est) < snr(s, est) - 5
    assert si_sdr(s, s) == AUDIO_CEILING_DB and snr(s, s) == AUDIO_CEILING_DB


def test_si_sdr_matches_torchmetrics_per_clip():
    from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio

    rng = np.random.default_rng(2)
    clean = rng.normal(size=(5, 3000))
    est = clean + rng.normal(scale=[[0.1], [0.5], [1.0], [2.0], [4.0]], size=(5, 3000)) + 0.3
    ref = scale_invariant_signal_distortion_ratio(torch.from_numpy(est), torch.from_numpy(clean), zero_mean=True)
    np.testing.assert_allclose(si_sdr(clean, est), ref.numpy(), atol=1e-6)
    assert si_sdr(clean, est).shape == (5,)


def test_shapes_must_agree():
    with pytest.raises(ValueError, match="differ in shape"):
        si_sdr(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least one sample"):
        snr(np.zeros(0), np.zeros(0))


@pytest.mark.skipif(not has_dataset("fsdd"), reason="FSDD recordings not present")
def test_pesq_and_stoi_rank_noise_levels_on_real_speech():
    s = _speech()
    light, heavy = s + _scaled_noise(s, 15.0), s + _scaled_noise(s, -5.0)
    assert pesq(s, s, sr=SR) > 4.0  # P.862 narrow-band tops out near 4.5
    assert pesq(s, light, sr=SR) > pesq(s, heavy, sr=SR) >= 1.0
    assert stoi(s, s, sr=SR) == pytest.approx(1.0, abs=1e-6)  # identical envelopes: correlation 1
    assert stoi(s, light, sr=SR) > stoi(s, heavy, sr=SR) > 0.3


def test_pesq_and_stoi_give_nan_where_undefined():
    silence = np.zeros(SR)
    assert np.isnan(pesq(silence, silence, sr=SR))
    short = np.random.default_rng(0).normal(size=SR // 10)
    assert np.isnan(stoi(short, short, sr=SR))
    with pytest.raises(ValueError, match="8000 or 16000"):
        pesq(short, short, sr=22050)
