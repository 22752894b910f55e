"""The denoising run's config: frozen dataclasses ↔ YAML, dotted ``key=value`` overrides (goodfit's own
machinery). Import-light: no torch here.

Examples:
    >>> from goodfit.config import apply_overrides
    >>> cfg = apply_overrides(DenoiseConfig(), ["train.epochs=3", "data.noises=white,babble"])
    >>> cfg.train.epochs, cfg.data.noises, cfg.data.snr_db
    (3, ('white', 'babble'), (-5.0, 15.0))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from goodfit.config import NONNEG, POSITIVE, SEED, SIZE, Range, check_ranges, check_run_name
from goodfit.errors import ConfigError

__all__ = ["DenoiseConfig", "SpeechConfig", "MaskModelConfig", "DenoiseOptimConfig", "DenoiseTrainConfig",
           "EvalConfig", "DENOISE_RANGES", "NOISE_KINDS"]

NOISE_KINDS = ("white", "pink", "brown", "hum", "babble", "bursts")  # goodfit.data.noise.NOISES, but "file"


@dataclass(frozen=True)
class SpeechConfig:
    """Where the speech comes from and how it is mixed with noise."""

    name: str = "fsdd"  # fsdd, or folder:PATH (WAV/FLAC files, speaker_*.wav or speaker/*.wav)
    root: str | None = None  # None: $GOODFIT_DATA, else the user cache dir
    sr: int = 8000  # every file is resampled (polyphase) to this rate
    test_speakers: tuple[str, ...] = ("jackson", "theo")  # never heard in training
    valid_speakers: int = 1  # carved from the training speakers, by speaker
    segment_s: float = 1.0  # training crops
    eval_segment_s: float = 3.0  # validation / test utterances (STOI needs seconds, not one spoken digit)
    noises: tuple[str, ...] = NOISE_KINDS  # the kinds mixed in; add "file" with noise_dir
    noise_dir: str | None = None  # a folder of your own noise recordings (the kind "file")
    snr_db: tuple[float, float] = (-5.0, 15.0)  # training SNRs, drawn uniformly
    crops_per_epoch: int = 2048


@dataclass(frozen=True)
class MaskModelConfig:
    """A magnitude-mask network on the short-time spectrum (noisy phase kept)."""

    name: Literal["mask-gru", "mask-conv"] = "mask-gru"
    hidden: int = 128  # GRU units (mask-gru) or conv channels (mask-conv)
    layers: int = 2
    n_fft: int = 256  # a window of 256 samples: 1/31 s at 8 kHz
    hop: int = 128  # 50 % overlap: half the frames of 75 %, so twice the training in the same time


@dataclass(frozen=True)
class DenoiseOptimConfig:
    loss: Literal["si-sdr", "spectral"] = "si-sdr"  # negative SI-SDR, or L1 on compressed magnitudes
    lr: float = 2e-3
    schedule: Literal["cosine", "constant"] = "cosine"  # cosine: lr decays to 0 over the run, step by step
    weight_decay: float = 0.0
    grad_clip: float = 5.0  # 0: off


@dataclass(frozen=True)
class DenoiseTrainConfig:
    epochs: int = 20
    batch_size: int = 32
    device: str = "cpu"  # cpu, cuda, mps, auto
    checkpoint: bool = True
    patience: int = 0  # stop after this many epochs without a better validation SI-SDR; 0: off


@dataclass(frozen=True)
class EvalConfig:
    """The final table: every noise kind at every SNR, on the test speakers' utterances."""

    snrs: tuple[float, ...] = (-5.0, 0.0, 5.0, 10.0, 15.0)
    utterances: int = 12  # per noise kind and SNR
    baselines: tuple[str, ...] = ("noisy", "wiener", "gating")
    examples: int = 3  # clips with audio players and spectrograms in the report
    jobs: int = 0  # processes for the baselines, PESQ and STOI (Linux); 0: one per core


DENOISE_RANGES: dict[str, Range] = {
    "seed": SEED, "data.sr": Range(4000, 192000), "data.valid_speakers": Range(1, 1000),
    "data.segment_s": Range(0.1, 60), "data.eval_segment_s": Range(0.5, 600),
    "data.crops_per_epoch": Range(1, 10**7), "data.snr_db": Range(-50, 60),
    "model.hidden": SIZE, "model.layers": Range(1, 16), "model.n_fft": Range(16, 8192), "model.hop": Range(1, 8192),
    "optim.lr": POSITIVE, "optim.weight_decay": NONNEG, "optim.grad_clip": NONNEG,
    "train.epochs": Range(1, 10**6), "train.batch_size": Range(1, 2**20), "train.patience": NONNEG,
    "eval.snrs": Range(-50, 60), "eval.utterances": Range(1, 10**5), "eval.examples": Range(0, 100),
    "eval.jobs": Range(0, 1024, hint="0 uses every core"),
}


@dataclass(frozen=True)
class DenoiseConfig:
    name: str = "denoise"
    seed: int = 0
    out_dir: str = "runs"
    data: SpeechConfig = field(default_factory=SpeechConfig)
    model: MaskModelConfig = field(default_factory=MaskModelConfig)
    optim: DenoiseOptimConfig = field(default_factory=DenoiseOptimConfig)
    train: DenoiseTrainConfig = field(default_factory=DenoiseTrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def __post_init__(self) -> None:
        check_ranges(self, DENOISE_RANGES)
        check_run_name(self.name)
        lo, hi = self.data.snr_db
        checks = [
            (lo <= hi, f"data.snr_db={lo:g},{hi:g}: give the lowest SNR first, e.g. -5,15"),
            (self.model.hop <= self.model.n_fft, f"model.hop={self.model.hop} must not exceed model.n_fft"),
            (self.model.n_fft & (self.model.n_fft - 1) == 0,
             f"model.n_fft={self.model.n_fft} must be a power of two (e.g. 256)"),
            (bool(self.data.noises), "data.noises is empty; name at least one noise kind, e.g. white,babble"),
            ("file" not in self.data.noises or self.data.noise_dir,
             "data.noises includes file: set data.noise_dir=FOLDER of your noise recordings"),
            (set(self.eval.baselines) <= {"noisy", "wiener", "gating"},
             f"eval.baselines={','.join(self.eval.baselines)}: choose among noisy, wiener, gating"),
        ]
        unknown = [k for k in self.data.noises if k not in (*NOISE_KINDS, "file")]
        checks.append((not unknown, f"unknown noise {','.join(unknown)} in data.noises; known: "
                                    f"{', '.join((*NOISE_KINDS, 'file'))}"))
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
