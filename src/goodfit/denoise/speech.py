"""Speech for denoising: recordings grouped by speaker, split so that the test (and validation) voices are
never heard in training, and noisy mixtures made from a seed.

Each speaker's recordings, in file order, are joined into one *stream*. Training draws random crops of
``segment_s`` from the training streams and mixes each with a fresh noise (a random kind of
``noises``, a random SNR in ``snr_db``): :class:`MixtureBatches`, new mixtures every epoch, the same
ones again on a resumed run. Validation and test use fixed utterances of ``eval_segment_s`` (several
spoken digits: STOI needs seconds) with fixed noise (:func:`eval_mixtures`). Babble is made of
recordings of *other* speakers of the same split.

FSDD (Z. Jackson et al., CC BY-SA 4.0): 6 speakers × 500 recordings at 8 kHz. A folder of your own
(``data.name=folder:PATH``) holds WAV/FLAC/OGG files named ``speaker_anything.wav`` or in one
sub-folder per speaker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from goodfit.data.audio import AUDIO_SUFFIXES, read_audio, read_fsdd
from goodfit.data.base import resolve_root
from goodfit.data.noise import crop, make_noise, mix, noise_bank
from goodfit.denoise.config import SpeechConfig
from goodfit.errors import DataError

__all__ = ["SpeechSplits", "Mixture", "load_speech", "MixtureBatches", "eval_mixtures"]


@dataclass(frozen=True)
class SpeechSplits:
    """Per split, speaker → recordings (float32 mono at ``sr``); the noise recordings, if any."""

    train: dict[str, list[np.ndarray]]
    valid: dict[str, list[np.ndarray]]
    test: dict[str, list[np.ndarray]]
    sr: int
    source: str
    noise_files: tuple[np.ndarray, ...] = ()

    def streams(self, split: str) -> dict[str, np.ndarray]:
        """Each speaker's recordings of ``split`` joined into one stream."""
        return {s: np.concatenate(clips) for s, clips in getattr(self, split).items()}

    def describe(self) -> dict[str, list[str]]:
        return {split: sorted(getattr(self, split)) for split in ("train", "valid", "test")}


@dataclass(frozen=True)
class Mixture:
    """One evaluation clip: the clean speech, its noisy version, and how it was made."""

    noise: str
    snr_db: float
    speaker: str
    clean: np.ndarray
    noisy: np.ndarray


def _by_speaker(cfg: SpeechConfig) -> tuple[dict[str, list[np.ndarray]], str]:
    if cfg.name == "fsdd":
        base = resolve_root(cfg.root)
        folder = next((p for p in (base / "fsdd" / "recordings", base / "recordings") if p.is_dir()),
                      base / "fsdd" / "recordings")
        out: dict[str, list[np.ndarray]] = {}
        for rec in read_fsdd(folder):
            out.setdefault(rec.speaker, []).append(rec.audio)
        if cfg.sr != 8000:
            from goodfit.data.audio import resample

            out = {s: [resample(c, 8000, cfg.sr) for c in clips] for s, clips in out.items()}
        return out, str(folder)
    kind, _, path = cfg.name.partition(":")
    if kind != "folder" or not path:
        raise DataError(f"data.name={cfg.name}: use fsdd, or folder:PATH for a folder of your recordings")
    folder = Path(path).expanduser()
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES) if folder.is_dir() else []
    if not files:
        raise DataError(f"no WAV, FLAC or OGG files in {folder}")
    out = {}
    for p in files:
        speaker = p.parent.name if p.parent != folder else p.stem.split("_")[0]
        out.setdefault(speaker, []).append(read_audio(p, sr=cfg.sr)[0])
    return out, str(folder)


def load_speech(cfg: SpeechConfig, *, seed: int) -> SpeechSplits:
    """The recordings of ``cfg``, split by speaker: ``test_speakers`` for test, ``valid_speakers`` others
    (drawn with ``seed``) for validation, the rest for training."""
    speakers, source = _by_speaker(cfg)
    test = [s for s in cfg.test_speakers if s in speakers]
    if len(test) != len(cfg.test_speakers):
        missing = sorted(set(cfg.test_speakers) - set(speakers))
        raise DataError(f"test speaker(s) {', '.join(missing)} not in {source}; speakers there: "
                        f"{', '.join(sorted(speakers))} (set data.test_speakers=...)")
    rest = sorted(s for s in speakers if s not in test)
    if len(rest) < cfg.valid_speakers + 1:
        raise DataError(f"{source} has {len(rest)} speaker(s) besides the test speakers; training and validation "
                        f"need {cfg.valid_speakers + 1} (lower data.valid_speakers or add voices)")
    order = np.random.default_rng(seed).permutation(len(rest))
    valid = sorted(rest[i] for i in order[: cfg.valid_speakers])
    noise_files = tuple(noise_bank(cfg.noise_dir, sr=cfg.sr)) if cfg.noise_dir else ()
    pick = lambda names: {s: speakers[s] for s in names}  # noqa: E731
    return SpeechSplits(pick(s for s in rest if s not in valid), pick(valid), pick(test), cfg.sr, source, noise_files)


def _babble_bank(clips: dict[str, list[np.ndarray]], speaker: str) -> list[np.ndarray]:
    others = [c for s, cs in clips.items() if s != speaker for c in cs]
    return others or list(clips[speaker])


def _noise(kind: str, length: int, *, splits: SpeechSplits, clips: dict[str, list[np.ndarray]], speaker: str,
           rng: np.random.Generator) -> np.ndarray:
    bank: Sequence[np.ndarray] = ()
    if kind == "babble":
        bank = _babble_bank(clips, speaker)
    elif kind == "file":
        bank = splits.noise_files
    return make_noise(kind, length, sr=splits.sr, rng=rng, bank=bank)


class MixtureBatches:
    """``crops_per_epoch`` fresh noisy/clean training pairs per epoch, in batches ``(B, samples)``;
    epoch ``e`` draws from ``default_rng([seed, e])``, so a resumed run sees the same mixtures."""

    def __init__(self, splits: SpeechSplits, cfg: SpeechConfig, *, batch_size: int, seed: int,
                 device: torch.device | str = "cpu") -> None:
        self.splits, self.cfg, self.batch_size, self.seed, self.device = splits, cfg, batch_size, seed, device
        self.streams = splits.streams("train")
        self.speakers = sorted(self.streams)
        self.length = int(round(cfg.segment_s * splits.sr))
        self.epoch = 0

    def __len__(self) -> int:
        return -(-self.cfg.crops_per_epoch // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        n = self.cfg.crops_per_epoch
        for start in range(0, n, self.batch_size):
            pairs = [self._pair(rng) for _ in range(min(self.batch_size, n - start))]
            noisy, clean = (torch.from_numpy(np.stack(a)).to(self.device) for a in zip(*pairs))
            yield noisy, clean

    def _pair(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        speaker = self.speakers[int(rng.integers(len(self.speakers)))]
        clean = crop(self.streams[speaker], self.length, rng)
        for _ in range(10):  # a crop in a pause has no speech to keep: draw again
            if np.abs(clean).max() > 1e-3:
                break
            clean = crop(self.streams[speaker], self.length, rng)
        kind = self.cfg.noises[int(rng.integers(len(self.cfg.noises)))]
        snr = float(rng.uniform(*self.cfg.snr_db))
        noise = _noise(kind, self.length, splits=self.splits, clips=self.splits.train, speaker=speaker, rng=rng)
        return mix(clean, noise, snr_db=snr), clean.astype(np.float32)

    def state_dict(self) -> dict:
        return {"epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        self.epoch = int(state["epoch"])


def eval_mixtures(splits: SpeechSplits, split: str, *, noises: Sequence[str], snrs: Sequence[float],
                  utterances: int, segment_s: float, seed: int) -> list[Mixture]:
    """``utterances`` fixed clips of ``segment_s`` per noise kind and SNR, from ``split``'s speakers in
    turn; the same clean utterances under every noise and SNR, so the cells compare like with like."""
    clips = getattr(splits, split)
    streams = splits.streams(split)
    speakers = sorted(streams)
    length = int(round(segment_s * splits.sr))
    rng = np.random.default_rng([seed, 7])
    clean = [(speakers[i % len(speakers)], crop(streams[speakers[i % len(speakers)]], length, rng))
             for i in range(utterances)]
    out = []
    for k, kind in enumerate(noises):
        for j, snr in enumerate(snrs):
            for i, (speaker, c) in enumerate(clean):
                noise_rng = np.random.default_rng([seed, k, j, i])
                noise = _noise(kind, length, splits=splits, clips=clips, speaker=speaker, rng=noise_rng)
                out.append(Mixture(kind, float(snr), speaker, c.astype(np.float32), mix(c, noise, snr_db=snr)))
    return out
