"""Using a trained generator: load it, draw samples, interpolate, map the latent space.

Images come back as ``float32`` arrays ``(N, C, H, W)`` in the run's scaled units (pixels in
[0, 1]); ``LoadedGenerator.scaler.inverse_transform`` gives the data set's raw units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from goodfit.data.scaling import Scaler
from goodfit.errors import ConfigError, RunDirError
from goodfit.generative.config import GenConfig, load_gen_config
from goodfit.generative.models import create_generator
from goodfit.models.vae import VAE
from goodfit.run import RunDir
from goodfit.train.callbacks import load_checkpoint

__all__ = ["LoadedGenerator", "load_generator", "sample_images", "interpolate", "latent_means", "manifold"]


@dataclass
class LoadedGenerator:
    """A trained VAE or GAN with what is needed to read and write images in the data set's units."""

    model: nn.Module
    config: GenConfig
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]
    scaler: Scaler
    run_dir: Path


def load_generator(run: str | Path, *, which: str = "best", device: str = "cpu") -> LoadedGenerator:
    """Rebuild a generative run's model from ``checkpoints/{best,last}.pt``."""
    rd = RunDir.open(run)
    path = rd.checkpoints / f"{which}.pt"
    if not path.is_file():
        raise RunDirError(f"{path} not found; pass a run made by 'goodfit train-generative' with checkpoints")
    ckpt = load_checkpoint(path, map_location=device)
    if ckpt.get("kind") != "generative":
        raise RunDirError(f"{rd.path} is a classifier run; pass a run made by 'goodfit train-generative'")
    cfg = load_gen_config(rd.path)
    model = create_generator(cfg.model, input_shape=ckpt["input_shape"])
    model.load_state_dict(ckpt["model"])
    model.to(device).eval()
    return LoadedGenerator(model, cfg, tuple(ckpt["classes"]), tuple(ckpt["input_shape"]),
                           Scaler.from_state_dict(ckpt["scaler"]), rd.path)


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def decode(model: nn.Module, z: torch.Tensor, *, batch_size: int = 1024) -> np.ndarray:
    """Images for latent codes ``z`` ``(N, L)`` from a VAE's decoder mean or a GAN's generator."""
    was_training = model.training
    model.eval()
    outs = [model.mean_image(z[i : i + batch_size].to(_device(model))).float().cpu()
            for i in range(0, len(z), batch_size)]
    model.train(was_training)
    return torch.cat(outs).numpy() if outs else np.empty((0,))


def sample_images(model: nn.Module, n: int, *, seed: int = 0, device: torch.device | str | None = None) -> np.ndarray:
    """``n`` samples from the prior ``z ~ N(0, I)``, decoded; seeded, so a grid can be redrawn exactly.

    Examples:
        >>> vae = VAE((1, 8, 8), latent=2, hidden=(16,))
        >>> x = sample_images(vae, 5, seed=1)
        >>> x.shape, bool((x >= 0).all() and (x <= 1).all()), np.array_equal(x, sample_images(vae, 5, seed=1))
        ((5, 1, 8, 8), True, True)
    """
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.latent, generator=g)
    return decode(model, z)


@torch.no_grad()
def latent_means(vae: VAE, x: np.ndarray | torch.Tensor, *, batch_size: int = 1024) -> np.ndarray:
    """The encoder's posterior means ``(N, L)`` for scaled inputs ``x``."""
    x = torch.as_tensor(x)
    was_training = vae.training
    vae.eval()
    out = [vae.encode(x[i : i + batch_size].to(_device(vae)))[0].cpu() for i in range(0, len(x), batch_size)]
    vae.train(was_training)
    return torch.cat(out).numpy()


def interpolate(model: nn.Module, *, x_a: np.ndarray | None = None, x_b: np.ndarray | None = None,
                steps: int = 10, seed: int = 0) -> np.ndarray:
    """Images along the straight line between two latent codes: ``(steps, C, H, W)``.

    A VAE encodes ``x_a`` and ``x_b`` (two images) to their posterior means; a GAN has no encoder, so
    it interpolates between two seeded prior samples and ignores ``x_a`` / ``x_b``.
    """
    if isinstance(model, VAE) and x_a is not None and x_b is not None:
        z_a, z_b = (torch.from_numpy(latent_means(model, np.asarray(x)[None])[0]) for x in (x_a, x_b))
    else:
        g = torch.Generator().manual_seed(seed)
        z_a, z_b = torch.randn(2, model.latent, generator=g)
    t = torch.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    return decode(model, (1 - t) * z_a + t * z_b)


def manifold(model: nn.Module, *, n: int = 15, lo: float = 0.03, hi: float = 0.97) -> np.ndarray:
    """For a 2-D latent: decoded images on an ``n × n`` grid of prior quantiles, row-major from top.

    The grid runs through the Gaussian's inverse CDF at evenly spaced probabilities, so each cell
    covers the same prior mass (as in Kingma & Welling's figure 4).
    """
    from scipy.stats import norm

    if model.latent != 2:
        raise ConfigError(f"the manifold grid needs a 2-D latent space; this model has model.latent={model.latent}")
    q = torch.tensor(norm.ppf(np.linspace(lo, hi, n)), dtype=torch.float32)
    zy, zx = torch.meshgrid(q.flip(0), q, indexing="ij")  # top row: largest z2
    return decode(model, torch.stack([zx.reshape(-1), zy.reshape(-1)], dim=1))
