"""Speech-quality metrics for denoising: SNR and SI-SDR (closed forms, numpy), PESQ (ITU-T P.862 through
the ``pesq`` package) and STOI (``pystoi``).

- **SNR** ``10 log10(‖s‖² / ‖s − ŝ‖²)``: every error counts, a change of loudness too.
- **SI-SDR** (Le Roux et al., "SDR — half-baked or well done?", ICASSP 2019): both signals made zero-mean,
  the estimate projected onto the clean signal, ``10 log10(‖αs‖² / ‖αs − ŝ‖²)`` with
  ``α = ⟨ŝ, s⟩ / ‖s‖²``. A louder or quieter copy of the clean signal scores the same.
- **PESQ** (1.0 … 4.5; narrow-band at 8 kHz, wide-band at 16 kHz) and **STOI** (0 … 1, intelligibility)
  need the optional packages (``pip install 'goodfit[audio]'``); a clip too short or too silent for them
  scores NaN, never an exception in the middle of an evaluation.

Examples:
    >>> t = np.arange(8000) / 8000
    >>> s, n = np.sin(2 * np.pi * 5 * t), 0.1 * np.sin(2 * np.pi * 50 * t)  # orthogonal, 20 dB apart
    >>> round(si_sdr(s, 3 * (s + n)), 6), round(snr(s, s + n), 6)
    (20.0, 20.0)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from goodfit.errors import GoodfitError

__all__ = ["snr", "si_sdr", "pesq", "stoi", "AUDIO_CEILING_DB"]

AUDIO_CEILING_DB = 100.0  # an exact copy scores this, not +inf, so one perfect clip does not make a mean infinite
_EPS = 1e-12


def _pair(clean: Any, estimate: Any) -> tuple[np.ndarray, np.ndarray]:
    s, e = np.asarray(clean, dtype=np.float64), np.asarray(estimate, dtype=np.float64)
    if s.shape != e.shape:
        raise ValueError(f"clean and estimate differ in shape: {s.shape} vs {e.shape}")
    if s.ndim == 0 or s.shape[-1] == 0:
        raise ValueError("audio metrics need at least one sample (last axis: time)")
    return s, e


def _db(signal_power: np.ndarray, error_power: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 10 * np.log10((signal_power + _EPS) / error_power)
    return np.minimum(np.where(error_power > 0, db, AUDIO_CEILING_DB), AUDIO_CEILING_DB)


def snr(clean: Any, estimate: Any) -> float | np.ndarray:
    """Signal-to-noise ratio of ``estimate`` against ``clean`` in dB (last axis: time; one value per
    clip for a batch ``(N, samples)``)."""
    s, e = _pair(clean, estimate)
    out = _db((s**2).sum(-1), ((s - e) ** 2).sum(-1))
    return float(out) if out.ndim == 0 else out


def si_sdr(clean: Any, estimate: Any) -> float | np.ndarray:
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al. 2019; last axis: time, one value
    per clip for a batch). Both signals are made zero-mean first, as in the paper."""
    s, e = _pair(clean, estimate)
    s = s - s.mean(-1, keepdims=True)
    e = e - e.mean(-1, keepdims=True)
    alpha = (e * s).sum(-1, keepdims=True) / ((s**2).sum(-1, keepdims=True) + _EPS)
    target = alpha * s
    out = _db((target**2).sum(-1), ((e - target) ** 2).sum(-1))
    return float(out) if out.ndim == 0 else out


def _need(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise GoodfitError(f"this metric needs the {module} package; install it with "
                           "pip install 'goodfit[audio]'") from None


def pesq(clean: Any, estimate: Any, *, sr: int) -> float:
    """PESQ (ITU-T P.862) of one clip: narrow-band at 8 kHz, wide-band at 16 kHz; NaN where the clip has
    no speech PESQ can find (silence, or shorter than about a quarter of a second)."""
    s, e = _pair(clean, estimate)
    if sr not in (8000, 16000):
        raise ValueError(f"PESQ is defined at 8000 or 16000 Hz, not {sr}; resample first")
    lib = _need("pesq")
    if not (np.abs(s).max() > 0 and np.abs(e).max() > 0):
        return float("nan")  # silence: nothing to judge (pesq would divide by its zero peak)
    try:
        return float(lib.pesq(sr, s.astype(np.float32), e.astype(np.float32), "nb" if sr == 8000 else "wb"))
    except lib.PesqError:
        return float("nan")


def stoi(clean: Any, estimate: Any, *, sr: int, extended: bool = False) -> float:
    """Short-time objective intelligibility (Taal et al. 2011; ``extended``: ESTOI) of one clip; NaN when
    the clip holds fewer speech frames than STOI's 384-ms analysis window needs."""
    s, e = _pair(clean, estimate)
    lib = _need("pystoi")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(lib.stoi(s, e, sr, extended=extended))
    if any("Not enough STFT frames" in str(w.message) for w in caught):
        return float("nan")
    return value
