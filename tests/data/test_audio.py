"""Audio: reading, polyphase resampling, the mel filterbank and log-mel features (each against a closed
form), and the FSDD data set with its speakers kept apart."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import has_dataset

from goodfit.data.audio import (
    FSDD_TEST_SPEAKERS,
    _hz_to_mel,
    _mel_to_hz,
    fix_length,
    log_mel,
    mel_filterbank,
    read_audio,
    read_fsdd,
    resample,
)
from goodfit.errors import DataError


def _tone(freq: float, sr: int, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(sr * seconds)) / sr).astype(np.float32)


def _peak_hz(x: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[spectrum.argmax()])


def test_mel_scale_is_htk():
    assert _hz_to_mel(700.0) == pytest.approx(2595 * np.log10(2))  # the closed form at f = 700 Hz
    f = np.array([0.0, 300.0, 1000.0, 3999.0])
    np.testing.assert_allclose(_mel_to_hz(_hz_to_mel(f)), f, atol=1e-9)


def test_filterbank_peaks_at_mel_spaced_centres():
    sr, n_fft, n_mels = 8000, 1024, 20
    fb = mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels)
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    centres = _mel_to_hz(np.linspace(0, _hz_to_mel(sr / 2), n_mels + 2))[1:-1]
    peaks = freqs[fb.argmax(axis=1)]
    assert np.all(np.abs(peaks - centres) <= sr / n_fft)  # within one FFT bin of the closed form
    assert np.all(np.diff(peaks) > 0) and fb.min() == 0 and fb.max() <= 1


def test_log_mel_puts_a_tone_in_its_band():
    sr = 8000
    x = np.stack([_tone(300, sr), _tone(2000, sr)])
    spec = log_mel(x, sr=sr, n_fft=512, n_mels=40)
    assert spec.shape == (2, 40, 101)  # 1 s, frames every 10 ms, centred
    centres = _mel_to_hz(np.linspace(0, _hz_to_mel(sr / 2), 42))[1:-1]
    for row, freq in zip(spec, (300, 2000)):
        band = int(row[:, 50].argmax())
        assert abs(centres[band] - freq) < 0.1 * freq


def test_resampling_keeps_the_pitch_and_the_length():
    x = _tone(440, 8000)
    for sr in (16000, 22050, 44100, 11025):
        y = resample(x, 8000, sr)
        assert len(y) == pytest.approx(sr, abs=1) and y.dtype == np.float32
        assert abs(_peak_hz(y, sr) - 440) < 2
    # polyphase: a tone above the new Nyquist frequency is filtered out, not folded back (aliased)
    high = resample(_tone(3500, 8000), 8000, 4000)
    assert np.abs(high[200:-200]).max() < 0.02  # (the filter rings at the two ends)


def test_fix_length_centres_or_cuts():
    x = np.arange(1, 5, dtype=np.float32)
    assert fix_length(x, 8).tolist() == [0, 0, 1, 2, 3, 4, 0, 0]
    assert fix_length(np.arange(10.0), 4).tolist() == [3, 4, 5, 6]


def test_read_audio_mono_resampled_and_errors(tmp_path):
    import soundfile

    stereo = np.stack([_tone(440, 16000), np.zeros(16000, np.float32)], axis=1)
    soundfile.write(tmp_path / "a.flac", stereo, 16000)
    x, sr = read_audio(tmp_path / "a.flac", sr=8000)
    assert sr == 8000 and x.shape == (8000,) and abs(_peak_hz(x, 8000) - 440) < 2
    assert np.abs(x).max() == pytest.approx(0.5, abs=0.02)  # the two channels averaged
    (tmp_path / "bad.wav").write_bytes(b"RIFF not really")
    with pytest.raises(DataError, match="cannot read .*bad.wav as audio"):
        read_audio(tmp_path / "bad.wav")


def test_fsdd_names_are_checked(tmp_path):
    import soundfile

    with pytest.raises(DataError, match="no recordings"):
        read_fsdd(tmp_path)
    soundfile.write(tmp_path / "seven.wav", _tone(300, 8000, 0.1), 8000)
    with pytest.raises(DataError, match="digit_speaker_index"):
        read_fsdd(tmp_path)


@pytest.mark.skipif(not has_dataset("fsdd"), reason="FSDD recordings not under $GOODFIT_DATA")
def test_fsdd_keeps_speakers_apart():
    from goodfit.config import DataConfig
    from goodfit.data import load_dataset, split_and_scale

    ds = load_dataset("fsdd")
    assert ds.x_train.shape == (2000, 1, 40, 81) and ds.x_test.shape == (1000, 1, 40, 81)
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert not set(ds.groups_train) & set(FSDD_TEST_SPEAKERS) and len(set(ds.groups_train)) == 4
    data = split_and_scale(ds, DataConfig(name="fsdd", valid_fraction=0.2))
    valid_speakers = set(ds.groups_train[data.valid_indices])
    assert len(valid_speakers) == 1  # one whole voice held out for validation
    train_rows = np.setdiff1d(np.arange(len(ds.y_train)), data.valid_indices)
    assert not valid_speakers & set(ds.groups_train[train_rows])


@pytest.mark.skipif(not has_dataset("fsdd"), reason="FSDD recordings not present")
def test_fsdd_splits_speakers_so_the_lint_finds_no_group_overlap():
    from goodfit.checks.pipeline import lint_config
    from goodfit.config import Config, apply_overrides
    from goodfit.data import prepare_data

    cfg = apply_overrides(Config(), ["data.name=fsdd", "model.name=convnet"])
    data = prepare_data(cfg.data, optim=cfg.optim)
    assert set(data.groups) == {"train", "valid", "test"}
    assert set(data.groups["test"]) == set(FSDD_TEST_SPEAKERS)
    assert not set(data.groups["train"]) & (set(data.groups["valid"]) | set(data.groups["test"]))
    assert "group-overlap" not in {f.id for f in lint_config(cfg, data=data)}
