"""Noise for denoising: each kind's spectrum against its closed form, the exact mixing SNR, seeding, and
the errors a user can run into."""

from __future__ import annotations

import numpy as np
import pytest

from goodfit.data.noise import NOISES, colored_noise, make_noise, mix, noise_bank
from goodfit.errors import DataError, UnknownNameError

SR = 8000


def _band_power(x: np.ndarray, lo: float, hi: float) -> float:
    f = np.fft.rfftfreq(len(x), 1 / SR)
    p = np.abs(np.fft.rfft(x)) ** 2
    return float(p[(f >= lo) & (f < hi)].mean())


@pytest.mark.parametrize(("exponent", "db_per_octave"), [(0.0, 0.0), (1.0, -3.01), (2.0, -6.02)])
def test_colored_noise_falls_by_the_closed_form_per_octave(exponent, db_per_octave):
    x = colored_noise(2**18, exponent=exponent, rng=np.random.default_rng(0))
    octaves = [(125 * 2**k, 125 * 2 ** (k + 1)) for k in range(4)]  # 125 Hz ... 2 kHz
    db = [10 * np.log10(_band_power(x, lo, hi)) for lo, hi in octaves]
    # a band's mean power of 1/f^a over [f, 2f] scales by 2^-a from one octave to the next
    assert np.diff(db) == pytest.approx([db_per_octave] * 3, abs=0.3)
    assert x.std() == pytest.approx(1.0, abs=1e-5) and x.dtype == np.float32


def test_hum_is_the_mains_frequency_and_its_harmonics():
    x = make_noise("hum", SR * 4, sr=SR, rng=np.random.default_rng(0))
    f = np.fft.rfftfreq(len(x), 1 / SR)
    p = np.abs(np.fft.rfft(x)) ** 2
    base = f[p.argmax()]
    assert abs(base - 50) < 0.5  # the fundamental is the strongest (1/k amplitudes), within mains drift
    low = f < 500  # ten harmonics: 1/k² of the power puts 95 % of it here
    near_harmonic = np.abs(f - base * np.round(f / base)) < 2.0
    assert p[low & near_harmonic].sum() > 0.95 * p[low].sum() and p[low].sum() > 0.9 * p.sum()


def test_bursts_switch_on_and_off():
    x = make_noise("bursts", SR * 2, sr=SR, rng=np.random.default_rng(3))
    frames = (x[: len(x) // 80 * 80].reshape(-1, 80) ** 2).mean(axis=1)  # 10-ms frames
    assert (frames < 1e-6).mean() > 0.2 and (frames > 0.1).mean() > 0.1


def test_babble_needs_and_uses_a_bank():
    bank = [np.sin(2 * np.pi * f * np.arange(SR) / SR) for f in (200, 300, 450, 700)]
    x = make_noise("babble", SR // 2, sr=SR, rng=np.random.default_rng(0), bank=bank)
    assert x.shape == (SR // 2,) and x.std() == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(DataError, match="babble noise needs recordings"):
        make_noise("babble", 100, sr=SR, rng=np.random.default_rng(0))


@pytest.mark.parametrize("kind", [e.name for e in NOISES])
def test_every_kind_is_seeded_and_unit_variance(kind):
    bank = [np.random.default_rng(9).normal(size=3000)]
    a = make_noise(kind, 4000, sr=SR, rng=np.random.default_rng(5), bank=bank)
    b = make_noise(kind, 4000, sr=SR, rng=np.random.default_rng(5), bank=bank)
    c = make_noise(kind, 4000, sr=SR, rng=np.random.default_rng(6), bank=bank)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and np.isfinite(a).all()
    assert a.std() == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 15.0])
def test_mix_sets_the_snr_exactly(snr_db):
    rng = np.random.default_rng(1)
    clean = rng.normal(size=5000) * 0.1
    noisy = mix(clean, make_noise("white", 5000, sr=SR, rng=rng), snr_db=snr_db)
    noise = noisy.astype(np.float64) - clean
    assert 10 * np.log10((clean**2).mean() / (noise**2).mean()) == pytest.approx(snr_db, abs=1e-4)


def test_mix_and_make_noise_errors():
    with pytest.raises(ValueError, match="differ in shape"):
        mix(np.zeros(3), np.zeros(4), snr_db=0)
    with pytest.raises(UnknownNameError, match="known: white"):
        make_noise("purple", 10, sr=SR, rng=np.random.default_rng(0))
    silent = mix(np.zeros(10), np.ones(10), snr_db=0)  # no speech power: the noise at its own level
    np.testing.assert_array_equal(silent, np.ones(10))


def test_noise_bank_reads_a_folder_and_resamples(tmp_path):
    import soundfile

    soundfile.write(tmp_path / "fan.wav", np.random.default_rng(0).normal(size=16000) * 0.1, 16000)
    (tmp_path / "notes.txt").write_text("not audio")
    bank = noise_bank(tmp_path, sr=SR)
    assert len(bank) == 1 and bank[0].shape == (SR,)
    x = make_noise("file", 3000, sr=SR, rng=np.random.default_rng(0), bank=bank)
    assert x.shape == (3000,)
    with pytest.raises(DataError, match="no sound files"):
        noise_bank(tmp_path / "empty", sr=SR)
