"""Synthetic speech for denoising tests: four "voices" in a folder, and a tiny run's overrides."""

from __future__ import annotations

import numpy as np
import soundfile

SR = 8000
TINY = ["train.epochs=2", "data.crops_per_epoch=32", "train.batch_size=16", "data.segment_s=0.5",
        "data.eval_segment_s=1.0", "data.noises=white,babble", "eval.snrs=0,10", "eval.utterances=2",
        "eval.examples=2", "model.hidden=16", "model.layers=1"]


def write_voices(folder, speakers=("ann", "bob", "cid", "dan"), clips=4):
    """Harmonic "vowels" with a pitch per speaker, in pauses: enough of speech's structure for a mask to learn."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(0.6 * SR)) / SR
    for k, s in enumerate(speakers):
        for i in range(clips):
            f0 = 110 + 30 * k + 7 * i
            voice = sum(np.sin(2 * np.pi * h * f0 * t) / h for h in range(1, 8)) * np.hanning(len(t)) ** 2
            audio = np.concatenate([np.zeros(SR // 10), 0.3 * voice, np.zeros(SR // 10)])
            soundfile.write(folder / f"{s}_{i}.wav", audio + 1e-4 * rng.normal(size=len(audio)), SR)
    return folder
