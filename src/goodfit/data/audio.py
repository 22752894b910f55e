"""Audio: reading sound files (soundfile), resampling (polyphase), log-mel spectrograms (``torch.stft``),
and the Free Spoken Digit Dataset as a classification data set with speakers kept apart.

FSDD (Z. Jackson et al., CC BY-SA 4.0; github.com/Jakobovski/free-spoken-digit-dataset): 3,000
recordings ``{digit}_{speaker}_{index}.wav`` of the digits 0-9, 6 speakers × 50 each, 8 kHz mono.
``fsdd`` holds out :data:`FSDD_TEST_SPEAKERS` for the test split, so the test accuracy is measured on
voices never heard in training; the validation split is carved from the other speakers by speaker
too (``Dataset.groups_train``).

Examples:
    >>> import numpy as np
    >>> x = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    >>> resample(x, 8000, 16000).shape, resample(x, 8000, 8000) is x
    ((16000,), True)
    >>> log_mel(x[None], sr=8000).shape   # (clips, mel bands, frames): a frame every hop_ms
    (1, 40, 101)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset, resolve_root
from goodfit.errors import DataError

__all__ = ["read_audio", "resample", "mel_filterbank", "log_mel", "fix_length", "Recording", "read_fsdd",
           "load_fsdd", "FSDD_TEST_SPEAKERS", "FSDD_RATE", "AUDIO_SUFFIXES"]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
FSDD_RATE = 8000
FSDD_SECONDS = 0.8  # every clip padded (centred) or cut to this length: the longest recordings are ~0.8 s
FSDD_TEST_SPEAKERS = ("jackson", "theo")  # 1,000 test recordings of two voices no model hears in training
_FSDD_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)$")


def read_audio(path: str | Path, *, sr: int | None = None) -> tuple[np.ndarray, int]:
    """A sound file as mono ``float32`` in [-1, 1] and its sample rate (resampled to ``sr`` if given).

    Raises:
        DataError: the file is missing or not audio soundfile can read.
    """
    import soundfile

    try:
        x, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
        raise DataError(f"cannot read {path} as audio ({exc}); use WAV, FLAC or OGG") from None
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]
    if sr is not None and sr != rate:
        x, rate = resample(x, rate, sr), sr
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """``x`` (last axis: time) from ``sr_from`` to ``sr_to`` Hz by polyphase filtering (an anti-alias
    FIR, ``scipy.signal.resample_poly``); the same array when the rates agree."""
    if sr_from == sr_to:
        return x
    if sr_from <= 0 or sr_to <= 0:
        raise DataError(f"sample rates must be positive, got {sr_from} -> {sr_to}")
    from scipy.signal import resample_poly

    g = math.gcd(int(sr_from), int(sr_to))
    return resample_poly(x, sr_to // g, sr_from // g, axis=-1).astype(np.float32)


def fix_length(x: np.ndarray, length: int) -> np.ndarray:
    """One clip centred in ``length`` samples: zero-padded on both sides, or its middle cut out."""
    if len(x) >= length:
        start = (len(x) - length) // 2
        return x[start : start + length]
    left = (length - len(x)) // 2
    return np.pad(x, (left, length - len(x) - left))


def _hz_to_mel(f: np.ndarray) -> np.ndarray:  # HTK's formula
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(*, sr: int, n_fft: int, n_mels: int, f_min: float = 0.0, f_max: float | None = None) -> np.ndarray:
    """Triangular filters ``(n_mels, n_fft // 2 + 1)`` with centres equally spaced on the mel scale
    (HTK), each peaking at 1 at its centre frequency.

    Examples:
        >>> fb = mel_filterbank(sr=8000, n_fft=256, n_mels=40)
        >>> fb.shape, float(fb.max()) <= 1.0, bool((fb.sum(axis=1) > 0).all())
        ((40, 129), True, True)
    """
    f_max = sr / 2 if f_max is None else f_max
    freqs = np.linspace(0.0, sr / 2, n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(f_min), _hz_to_mel(f_max), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None] - lower) / (centre - lower)
    falling = (upper - freqs[None]) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None).astype(np.float32)


def log_mel(x: np.ndarray, *, sr: int, n_fft: int = 256, hop_ms: float = 10.0, n_mels: int = 40,
            floor: float = 1e-6) -> np.ndarray:
    """Log-mel power spectrograms ``(N, n_mels, frames)`` of clips ``(N, samples)`` (``torch.stft``,
    Hann window, centred frames every ``hop_ms``)."""
    import torch

    hop = max(1, int(round(sr * hop_ms / 1000)))
    signal = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    spec = torch.stft(signal, n_fft=n_fft, hop_length=hop, window=torch.hann_window(n_fft), center=True,
                      return_complex=True).abs() ** 2  # (N, n_fft // 2 + 1, frames)
    mel = torch.from_numpy(mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels)) @ spec
    return torch.log(mel + floor).numpy()


@dataclass(frozen=True)
class Recording:
    """One FSDD recording: the digit said, who said it, and the samples."""

    digit: int
    speaker: str
    index: int
    audio: np.ndarray  # float32 mono at FSDD_RATE


def read_fsdd(folder: str | Path) -> list[Recording]:
    """Every ``{digit}_{speaker}_{index}`` sound file in ``folder``, sorted, at 8 kHz."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES) if folder.is_dir() else []
    if not files:
        raise DataError(f"no recordings in {folder}; put the Free Spoken Digit Dataset's recordings/*.wav there "
                        "(github.com/Jakobovski/free-spoken-digit-dataset)")
    out = []
    for path in files:
        match = _FSDD_NAME.match(path.stem)
        if match is None:
            raise DataError(f"{path.name} is not named digit_speaker_index (e.g. 7_theo_12.wav)")
        audio, _sr = read_audio(path, sr=FSDD_RATE)
        out.append(Recording(int(match.group(1)), match.group(2), int(match.group(3)), audio))
    return out


def load_fsdd(root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """FSDD as 40-band log-mel spectrograms ``(1, 40, 81)`` of 0.8-s clips; the test split is the
    speakers in :data:`FSDD_TEST_SPEAKERS`, and ``groups_train`` names each training clip's speaker."""
    base = resolve_root(root)
    folder = next((p for p in (base / "fsdd" / "recordings", base / "recordings") if p.is_dir()),
                  base / "fsdd" / "recordings")
    recordings = read_fsdd(folder)
    length = int(FSDD_SECONDS * FSDD_RATE)
    clips = np.stack([fix_length(r.audio, length) for r in recordings])
    x = log_mel(clips, sr=FSDD_RATE)[:, None]  # (N, 1, 40, 81)
    y = np.array([r.digit for r in recordings], dtype=np.int64)
    speakers = np.array([r.speaker for r in recordings])
    test = np.isin(speakers, FSDD_TEST_SPEAKERS)
    if not test.any() or test.all():
        raise DataError(f"{folder} needs recordings of the test speakers {', '.join(FSDD_TEST_SPEAKERS)} and of "
                        "others; found speakers " + ", ".join(sorted(set(speakers.tolist()))))
    return Dataset("fsdd", x[~test], y[~test], x[test], y[test], classes=tuple(str(d) for d in range(10)),
                   source=str(folder), groups_train=speakers[~test], groups_test=speakers[test])
