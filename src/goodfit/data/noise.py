"""Noise for speech denoising, made on the fly from a seed, and mixed at a chosen signal-to-noise ratio.

===========  ===========================================================================================
kind         what it sounds like, and how it is made
===========  ===========================================================================================
white        hiss: Gaussian samples, a flat spectrum
pink         rain, a waterfall: power ∝ 1/f (−3 dB per octave), white noise shaped in the frequency domain
brown        rumble, wind: power ∝ 1/f² (−6 dB per octave)
hum          mains hum: 50 Hz (``mains=60`` in the Americas) and its harmonics up to Nyquist, 1/k amplitudes
babble       a crowd: 3-6 other recordings summed (needs a ``bank`` of speech from other clips)
bursts       non-stationary: pink-noise bursts of 30-300 ms switched on and off at random
file         your own noise: a random stretch of a recording from ``bank`` (``noise_bank`` of a folder)
===========  ===========================================================================================

:func:`mix` scales a noise so that ``10 log10(P_clean / P_noise)`` is exactly the SNR asked for (power
over the whole clip), so "0 dB" means as much noise as speech.

Examples:
    >>> rng = np.random.default_rng(0)
    >>> clean = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    >>> noisy = mix(clean, make_noise("pink", 8000, sr=8000, rng=rng), snr_db=5.0)
    >>> noise = noisy - clean
    >>> round(float(10 * np.log10((clean**2).mean() / (noise**2).mean())), 6)
    5.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from goodfit.errors import ConfigError, DataError
from goodfit.registry import Registry

__all__ = ["NOISES", "make_noise", "mix", "noise_bank", "colored_noise", "crop", "SNR_RANGE_DB"]

SNR_RANGE_DB = (-5.0, 15.0)  # the input SNRs a denoiser trains and is judged on
NoiseMaker = Callable[..., np.ndarray]  # (length, *, sr, rng, bank) -> float32 noise of that length


def colored_noise(length: int, *, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose power spectrum falls as ``1 / f**exponent`` (0 white, 1 pink, 2 brown),
    made by shaping white noise's spectrum; unit variance."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = f[1] if len(f) > 1 else 1.0  # no infinite DC
    x = np.fft.irfft(spectrum / f ** (exponent / 2), n=length)
    return (x / (x.std() + 1e-12)).astype(np.float32)


def _white(length: int, *, sr: int, rng: np.random.Generator, bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    return rng.standard_normal(length).astype(np.float32)


def _pink(length: int, *, sr: int, rng: np.random.Generator, bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    return colored_noise(length, exponent=1.0, rng=rng)


def _brown(length: int, *, sr: int, rng: np.random.Generator, bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    return colored_noise(length, exponent=2.0, rng=rng)


def hum(length: int, *, sr: int, rng: np.random.Generator, mains: float = 50.0,
        bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Mains hum: ``mains`` Hz (a little off, as real mains drift) and its harmonics below Nyquist with
    amplitudes 1/k and random phases, plus a faint hiss."""
    base = mains * (1 + rng.uniform(-0.005, 0.005))
    harmonics = int((sr / 2) // base)
    coeffs = np.exp(1j * rng.uniform(0, 2 * np.pi, harmonics)) / np.arange(1, harmonics + 1)  # phase, 1/k
    z = np.exp(2j * np.pi * base * np.arange(length) / sr)
    acc = np.full(length, coeffs[-1])
    for c in coeffs[-2::-1]:  # Horner: sum_k c_k z^k without one sine per harmonic
        acc = acc * z + c
    x = (acc * z).imag
    x += 0.01 * rng.standard_normal(length)
    return (x / (x.std() + 1e-12)).astype(np.float32)


def crop(clip: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random stretch of ``length`` samples of ``clip``, looped where the clip is shorter."""
    if len(clip) < length:
        clip = np.tile(clip, -(-length // max(1, len(clip))))
    start = int(rng.integers(0, len(clip) - length + 1))
    return clip[start : start + length]


def _needs_bank(kind: str, bank: Sequence[np.ndarray]) -> None:
    if not len(bank):
        raise DataError(f"{kind} noise needs recordings to draw from (a bank of other clips); none were given")


def babble(length: int, *, sr: int, rng: np.random.Generator, bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    """A crowd: 3-6 recordings from ``bank``, each at a random offset, summed at equal loudness."""
    _needs_bank("babble", bank)
    x = np.zeros(length)
    for i in rng.choice(len(bank), size=int(rng.integers(3, 7)), replace=len(bank) < 6):
        talker = crop(np.asarray(bank[i], dtype=np.float64), length, rng)
        x += talker / (talker.std() + 1e-12)
    return (x / (x.std() + 1e-12)).astype(np.float32)


def bursts(length: int, *, sr: int, rng: np.random.Generator, bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Pink-noise bursts of 30-300 ms at random times, silence between them (at least one burst)."""
    gate = np.zeros(length)
    t = int(rng.integers(0, max(1, length // 3)))
    while t < length:
        width = int(rng.uniform(0.03, 0.3) * sr)
        gate[t : t + width] = np.hanning(width + 2)[1:-1][: length - t] if width else 0.0
        t += width + int(rng.uniform(0.05, 0.4) * sr)
    x = colored_noise(length, exponent=1.0, rng=rng) * gate
    return (x / (x.std() + 1e-12)).astype(np.float32)


def _file(length: int, *, sr: int, rng: np.random.Generator, bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    _needs_bank("file", bank)
    x = crop(np.asarray(bank[int(rng.integers(len(bank)))], dtype=np.float64), length, rng)
    return (x / (x.std() + 1e-12)).astype(np.float32)


NOISES: Registry[NoiseMaker] = Registry("noise")
NOISES.add("white", lambda: _white, "hiss: a flat spectrum")
NOISES.add("pink", lambda: _pink, "power ∝ 1/f, like rain")
NOISES.add("brown", lambda: _brown, "power ∝ 1/f², a rumble")
NOISES.add("hum", lambda: hum, "50 Hz mains and its harmonics")
NOISES.add("babble", lambda: babble, "3-6 other speakers at once")
NOISES.add("bursts", lambda: bursts, "non-stationary: noise switched on and off")
NOISES.add("file", lambda: _file, "stretches of your own noise recordings (a noise folder)")


def make_noise(kind: str, length: int, *, sr: int, rng: np.random.Generator,
               bank: Sequence[np.ndarray] = ()) -> np.ndarray:
    """``length`` samples of noise ``kind`` (see :data:`NOISES`) with unit variance, float32."""
    if length < 1:
        raise ValueError(f"noise needs a positive length, got {length}")
    return NOISES.create(kind)(length, sr=sr, rng=rng, bank=bank)


def mix(clean: np.ndarray, noise: np.ndarray, *, snr_db: float) -> np.ndarray:
    """``clean + g * noise`` with the gain ``g`` that sets the mixture's SNR to ``snr_db`` exactly
    (powers over the whole clip; a silent clip gets the noise at its own level)."""
    clean = np.asarray(clean, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if clean.shape != noise.shape:
        raise ValueError(f"clean and noise differ in shape: {clean.shape} vs {noise.shape}")
    if not np.isfinite(snr_db):
        raise ConfigError(f"an SNR of {snr_db} dB is not a number of decibels; use e.g. 0 or 5")
    p_clean, p_noise = (clean**2).mean(), (noise**2).mean()
    gain = np.sqrt(p_clean / (p_noise * 10 ** (snr_db / 10))) if p_clean > 0 and p_noise > 0 else 1.0
    return (clean + gain * noise).astype(np.float32)


def noise_bank(folder: str | Path, *, sr: int) -> list[np.ndarray]:
    """Every sound file in ``folder`` (recursively), mono, resampled to ``sr``: your own noises for
    ``file`` (e.g. recordings of a fan, traffic, a café)."""
    from goodfit.data.audio import AUDIO_SUFFIXES, read_audio

    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES) if folder.is_dir() else []
    if not files:
        raise DataError(f"no sound files in {folder}; put WAV, FLAC or OGG noise recordings there")
    return [read_audio(p, sr=sr)[0] for p in files]
