"""Speech denoising, the course's audio hands-on: "make the output less noisy than the input, while the
speech can still be heard".

- :func:`fit_denoiser` trains a magnitude-mask network (:data:`DENOISERS`) in goodfit's training loop on
  noisy mixtures made on the fly (:mod:`goodfit.data.noise`), speakers kept apart, and compares it once
  with the classical baselines (:data:`BASELINES`) on unseen test speakers: SI-SDR, PESQ, STOI.
- :func:`enhance_file` denoises a sound file of any length and rate with a trained run.

Examples:
    >>> from goodfit.config import apply_overrides
    >>> cfg = apply_overrides(DenoiseConfig(), ["model.name=mask-conv", "train.epochs=5"])
    >>> cfg.model.name, cfg.data.test_speakers
    ('mask-conv', ('jackson', 'theo'))
"""

from __future__ import annotations

from goodfit.denoise.baselines import BASELINES, identity, spectral_gating, wiener
from goodfit.denoise.config import DenoiseConfig
from goodfit.denoise.enhance import LoadedDenoiser, enhance, enhance_file, load_denoiser
from goodfit.denoise.evaluate import compare
from goodfit.denoise.models import DENOISERS, MaskNet, create_denoiser
from goodfit.denoise.speech import MixtureBatches, eval_mixtures, load_speech
from goodfit.denoise.train import DenoiseResult, fit_denoiser

__all__ = [
    "BASELINES",
    "DENOISERS",
    "DenoiseConfig",
    "DenoiseResult",
    "LoadedDenoiser",
    "MaskNet",
    "MixtureBatches",
    "compare",
    "create_denoiser",
    "enhance",
    "enhance_file",
    "eval_mixtures",
    "fit_denoiser",
    "identity",
    "load_denoiser",
    "load_speech",
    "spectral_gating",
    "wiener",
]
