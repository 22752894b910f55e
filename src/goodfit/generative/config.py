"""The generative run's config: frozen dataclasses ↔ YAML, dotted ``key=value`` overrides.

It reuses goodfit's :class:`~goodfit.config.DataConfig` (same data sets, split and seeds as a
classifier run) and its YAML / override machinery. Import-light: no torch here.

Examples:
    >>> from goodfit.config import apply_overrides
    >>> cfg = apply_overrides(GenConfig(), ["model.name=gan", "model.latent=2"])
    >>> cfg.model.name, cfg.model.latent, cfg.lr
    ('gan', 2, 0.0002)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from goodfit.config import (
    DATA_RANGES,
    NONNEG,
    POSITIVE,
    SEED,
    SIZE,
    DataConfig,
    Range,
    check_ranges,
    check_run_name,
    load_config,
)
from goodfit.errors import ConfigError

__all__ = ["GenConfig", "GenModelConfig", "GenOptimConfig", "GenTrainConfig", "QualityConfig", "load_gen_config"]


@dataclass(frozen=True)
class GenModelConfig:
    name: Literal["vae", "gan"] = "vae"
    variant: Literal["mlp", "conv"] = "mlp"  # vae: encoder / decoder kind (the gan is always conv)
    latent: int = 16  # latent size; 2 gives the latent-space scatter and the manifold grid
    hidden: tuple[int, ...] = (400,)  # vae mlp: hidden sizes of the encoder (decoder mirrors them)
    channels: tuple[int, ...] = (32, 64)  # vae conv: channels of the stride-2 stages
    width: int = 32  # gan: channels of the first discriminator / last generator stage (DCGAN used 64+)
    beta: float = 1.0  # vae: weight of the KL term (1 = the ELBO; other values: a beta-VAE)


@dataclass(frozen=True)
class GenOptimConfig:
    """Adam. ``None`` picks the model's usual recipe: VAE lr 1e-3, beta1 0.9; DCGAN lr 2e-4, beta1 0.5."""

    lr: float | None = None
    beta1: float | None = None
    weight_decay: float = 0.0


@dataclass(frozen=True)
class GenTrainConfig:
    epochs: int = 20
    batch_size: int = 128
    device: str = "cpu"  # cpu, cuda, mps, auto
    checkpoint: bool = True
    monitors: bool = True  # training monitors (the VAE's; findings.json)


@dataclass(frozen=True)
class QualityConfig:
    """How samples are judged: features of a goodfit classifier trained on the same data set."""

    classifier: str | None = None  # a classifier run folder; None: train one inside the run
    classifier_model: str = "mlp"  # model.name of that classifier when it is trained here
    classifier_epochs: int = 5
    n_samples: int = 5000  # samples (and test images) for the Fréchet distance and mode coverage
    enabled: bool = True


GEN_RANGES: dict[str, Range] = {
    "seed": SEED,
    **{f"data.{k}": r for k, r in DATA_RANGES.items()},
    "model.latent": Range(1, 4096), "model.beta": NONNEG, "model.width": Range(1, 4096),
    "model.hidden": SIZE, "model.channels": SIZE,
    "optim.lr": POSITIVE, "optim.beta1": Range(0, 1, hi_open=True), "optim.weight_decay": NONNEG,
    "train.epochs": Range(1, 10**6), "train.batch_size": Range(2, 2**31 - 1),
    "quality.classifier_epochs": Range(1, 10**6), "quality.n_samples": Range(10, 10**7),
}


@dataclass(frozen=True)
class GenConfig:
    name: str = "gen"
    seed: int = 0
    out_dir: str = "runs"
    data: DataConfig = field(default_factory=lambda: DataConfig(scaling="minmax01"))
    model: GenModelConfig = field(default_factory=GenModelConfig)
    optim: GenOptimConfig = field(default_factory=GenOptimConfig)
    train: GenTrainConfig = field(default_factory=GenTrainConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        check_ranges(self, GEN_RANGES)
        check_run_name(self.name)
        checks = [
            (self.data.scaling == "minmax01",
             "generative models read pixels in [0, 1]: set data.scaling=minmax01"),
            (self.data.augment == "none", "data.augment must be none for generative models"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    @property
    def lr(self) -> float:
        return self.optim.lr if self.optim.lr is not None else (2e-4 if self.model.name == "gan" else 1e-3)

    @property
    def beta1(self) -> float:
        return self.optim.beta1 if self.optim.beta1 is not None else (0.5 if self.model.name == "gan" else 0.9)


def load_gen_config(path: str | Path) -> GenConfig:
    """Read a generative run's ``config.yaml`` (or the folder holding it); ``meta`` is ignored."""
    return load_config(path, GenConfig)
