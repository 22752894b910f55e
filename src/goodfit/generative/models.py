"""``GENERATORS``: the generative models, in their own registry (``MODELS`` holds classifiers only).

Examples:
    >>> from goodfit.generative.config import GenModelConfig
    >>> vae = create_generator(GenModelConfig(name="vae", latent=2), input_shape=(1, 28, 28))
    >>> type(vae).__name__, vae.latent
    ('VAE', 2)
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from goodfit.generative.config import GenModelConfig
from goodfit.models.gan import GAN
from goodfit.models.vae import VAE
from goodfit.registry import Registry

__all__ = ["GENERATORS", "create_generator"]


def _vae(cfg: GenModelConfig, input_shape: Sequence[int]) -> nn.Module:
    return VAE(input_shape, latent=cfg.latent, variant=cfg.variant, hidden=cfg.hidden, channels=cfg.channels)


def _gan(cfg: GenModelConfig, input_shape: Sequence[int]) -> nn.Module:
    return GAN(input_shape, latent=cfg.latent, width=cfg.width)


GENERATORS: Registry[nn.Module] = Registry("generator")
GENERATORS.add("vae", _vae, "variational auto-encoder (ELBO, beta); model.variant=mlp|conv, model.latent")
GENERATORS.add("gan", _gan, "small DCGAN for 28x28 images; model.latent, model.width")


def create_generator(cfg: GenModelConfig, *, input_shape: Sequence[int]) -> nn.Module:
    """Build the registered generative model named ``cfg.name`` for this input shape."""
    return GENERATORS.create(cfg.name, cfg, tuple(input_shape))
