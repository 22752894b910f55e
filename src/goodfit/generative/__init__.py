"""Generative models (VAE, GAN): training, sampling, and judging the samples.

- :func:`fit_generative` trains a ``vae`` or ``gan`` (:data:`GENERATORS`) in a new run folder, in
  goodfit's training loop with a step of its own, and measures it: test ELBO (VAE), a Fréchet
  distance in a goodfit classifier's feature space and mode coverage (both).
- :func:`generate` writes sample grids, interpolations and (2-D latent) latent-space maps.

Examples:
    >>> from goodfit.config import apply_overrides
    >>> cfg = apply_overrides(GenConfig(), ["model.name=vae", "model.latent=2", "data.name=mnist"])
    >>> cfg.model.latent, cfg.data.scaling
    (2, 'minmax01')
"""

from __future__ import annotations

from goodfit.generative.config import (
    GenConfig,
    GenModelConfig,
    GenOptimConfig,
    GenTrainConfig,
    QualityConfig,
    load_gen_config,
)
from goodfit.generative.generate import generate
from goodfit.generative.models import GENERATORS, create_generator
from goodfit.generative.quality import frechet_distance, label_distribution, penultimate_features
from goodfit.generative.sample import (
    LoadedGenerator,
    interpolate,
    latent_means,
    load_generator,
    sample_images,
)
from goodfit.generative.train import GANStep, GenResult, VAEStep, fit_generative, negative_elbo

__all__ = [
    "GENERATORS",
    "GANStep",
    "GenConfig",
    "GenModelConfig",
    "GenOptimConfig",
    "GenResult",
    "GenTrainConfig",
    "LoadedGenerator",
    "QualityConfig",
    "create_generator",
    "fit_generative",
    "frechet_distance",
    "generate",
    "interpolate",
    "label_distribution",
    "latent_means",
    "load_gen_config",
    "load_generator",
    "negative_elbo",
    "penultimate_features",
    "sample_images",
    "VAEStep",
]
