"""Speech splits keep speakers apart; mixtures are seeded and made like for like."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from helpers import has_dataset

from goodfit.config import apply_overrides
from goodfit.denoise.config import DenoiseConfig, SpeechConfig
from goodfit.denoise.speech import MixtureBatches, eval_mixtures, load_speech
from goodfit.errors import ConfigError, DataError
from goodfit.metrics.audio import snr

SR = 8000


def _folder(tmp_path, speakers=("ann", "bob", "cid", "dan"), clips=3):
    rng = np.random.default_rng(0)
    for s in speakers:
        for i in range(clips):
            t = np.arange(SR // 2) / SR
            voice = np.sin(2 * np.pi * (150 + 40 * i + 10 * len(s)) * t) * np.hanning(len(t))
            soundfile.write(tmp_path / f"{s}_{i}.wav", (0.5 * voice + 0.001 * rng.normal(size=len(t))), SR)
    return SpeechConfig(name=f"folder:{tmp_path}", test_speakers=("dan",), crops_per_epoch=8, segment_s=0.25)


def test_speakers_are_split_apart(tmp_path):
    splits = load_speech(_folder(tmp_path), seed=0)
    parts = splits.describe()
    assert parts["test"] == ["dan"] and len(parts["valid"]) == 1 and len(parts["train"]) == 2
    assert not set(parts["train"]) & set(parts["valid"]) and "dan" not in parts["train"] + parts["valid"]


def test_missing_test_speaker_and_too_few_voices(tmp_path):
    cfg = _folder(tmp_path, speakers=("ann", "dan"))
    with pytest.raises(DataError, match="besides the test speakers"):
        load_speech(cfg, seed=0)
    with pytest.raises(DataError, match="test speaker\\(s\\) zed not in"):
        load_speech(SpeechConfig(name=cfg.name, test_speakers=("zed",)), seed=0)
    with pytest.raises(DataError, match="folder:PATH"):
        load_speech(SpeechConfig(name="librispeech"), seed=0)


def test_mixture_batches_are_fresh_each_epoch_and_repeat_on_resume(tmp_path):
    cfg = _folder(tmp_path)
    splits = load_speech(cfg, seed=0)
    batches = MixtureBatches(splits, cfg, batch_size=3, seed=5)
    first = [n.clone() for n, _ in batches]
    second = [n.clone() for n, _ in batches]
    assert [len(b) for b in first] == [3, 3, 2] and len(batches) == 3
    assert not all(np.array_equal(a, b) for a, b in zip(first, second))
    again = MixtureBatches(splits, cfg, batch_size=3, seed=5)
    again.load_state_dict({"epoch": 1})
    assert all(np.array_equal(a, b) for a, b in zip(second, [n for n, _ in again]))
    noisy, clean = next(iter(batches))
    achieved = snr(clean.numpy(), noisy.numpy())
    assert np.all((achieved >= cfg.snr_db[0] - 1e-3) & (achieved <= cfg.snr_db[1] + 1e-3))


def test_eval_mixtures_share_clean_utterances_across_cells(tmp_path):
    splits = load_speech(_folder(tmp_path), seed=0)
    mix = eval_mixtures(splits, "test", noises=("white", "babble"), snrs=(0.0, 10.0), utterances=2, segment_s=0.5,
                        seed=3)
    assert len(mix) == 8 and {m.speaker for m in mix} == {"dan"}
    first = [m.clean for m in mix if (m.noise, m.snr_db) == ("white", 0.0)]
    other = [m.clean for m in mix if (m.noise, m.snr_db) == ("babble", 10.0)]
    assert all(np.array_equal(a, b) for a, b in zip(first, other))
    for m in mix:
        assert snr(m.clean, m.noisy) == pytest.approx(m.snr_db, abs=1e-3)
    again = eval_mixtures(splits, "test", noises=("white", "babble"), snrs=(0.0, 10.0), utterances=2, segment_s=0.5,
                          seed=3)
    assert all(np.array_equal(a.noisy, b.noisy) for a, b in zip(mix, again))


@pytest.mark.skipif(not has_dataset("fsdd"), reason="FSDD recordings not present")
def test_fsdd_test_speakers_are_never_in_training():
    splits = load_speech(SpeechConfig(), seed=0)
    parts = splits.describe()
    assert parts["test"] == ["jackson", "theo"]
    assert len(parts["train"]) == 3 and len(parts["valid"]) == 1
    assert sum(len(c) for c in splits.train.values()) == 1500


@pytest.mark.parametrize(("override", "message"), [
    ("data.snr_db=15,-5", "lowest SNR first"), ("model.n_fft=250", "power of two"),
    ("data.noises=white,purple", "unknown noise purple"), ("data.noises=file", "data.noise_dir"),
    ("model.hop=512", "must not exceed"), ("eval.baselines=noisy,magic", "choose among"),
])
def test_config_refuses_what_cannot_work(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(DenoiseConfig(), [override])


def test_noise_kinds_match_the_noise_registry():
    from goodfit.data.noise import NOISES
    from goodfit.denoise.config import NOISE_KINDS

    assert {e.name for e in NOISES} == {*NOISE_KINDS, "file"}
