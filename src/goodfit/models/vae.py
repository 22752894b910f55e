"""A variational auto-encoder (Kingma & Welling, 2014) with an MLP or a small conv encoder/decoder.

The encoder gives the mean and log-variance of a diagonal Gaussian ``q(z | x)``; the decoder gives
the parameters of ``p(x | z)``: Bernoulli logits for inputs in [0, 1] (MNIST-style pixels), or the
mean of a Gaussian with a fixed std ``sigma`` for any real-valued features. The loss is the negative ELBO

    -ELBO(x) = E_q[-log p(x | z)] + beta * KL(q(z | x) || N(0, I))

summed over the input's elements and averaged over the batch (``beta=1``: the true bound; other
values: a beta-VAE). It is not a classifier and is not in ``MODELS``: see
``goodfit.generative.GENERATORS``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from goodfit.errors import ConfigError

__all__ = ["VAE", "elbo_terms", "LOG_2PI"]

LOG_2PI = math.log(2 * math.pi)
Likelihood = Literal["bernoulli", "gaussian"]


def _conv_shape(input_shape: Sequence[int], channels: Sequence[int]) -> tuple[int, int, int]:
    """(C, H, W) after the encoder's stride-2 convolutions; they need H, W divisible by 2**len."""
    if len(input_shape) != 3:
        raise ConfigError(f"model.variant=conv needs (C, H, W) images; got input shape {tuple(input_shape)}"
                          " (use model.variant=mlp for tables)")
    f = 2 ** len(channels)
    _, h, w = input_shape
    if h % f or w % f:
        raise ConfigError(f"model.variant=conv with {len(channels)} stages needs H and W divisible by {f}; "
                          f"got {h}x{w}; use fewer model.channels or model.variant=mlp")
    return channels[-1], h // f, w // f


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """Encoder → (mu, logvar) → reparameterized z → decoder → Bernoulli logits or Gaussian mean.

    Examples:
        >>> vae = VAE((1, 28, 28), latent=2, variant="conv")
        >>> logits, mu, logvar = vae(torch.rand(4, 1, 28, 28))
        >>> logits.shape, mu.shape
        (torch.Size([4, 1, 28, 28]), torch.Size([4, 2]))
    """

    def __init__(self, input_shape: Sequence[int], *, latent: int = 16, variant: str = "mlp",
                 hidden: Sequence[int] = (400,), channels: Sequence[int] = (32, 64),
                 likelihood: Likelihood = "bernoulli", sigma: float = 1.0) -> None:
        super().__init__()
        if latent < 1:
            raise ConfigError(f"model.latent must be >= 1, got {latent}")
        if likelihood not in ("bernoulli", "gaussian"):
            raise ConfigError(f"likelihood must be bernoulli or gaussian, not {likelihood!r}")
        if sigma <= 0:
            raise ConfigError(f"sigma (the Gaussian decoder's std) must be > 0, got {sigma}")
        self.input_shape, self.latent, self.likelihood, self.sigma = tuple(input_shape), latent, likelihood, sigma
        d = math.prod(input_shape)
        if variant == "mlp":
            self.encoder = nn.Sequential(nn.Flatten(), _mlp([d, *hidden]))
            width = hidden[-1] if hidden else d
            self.decoder = nn.Sequential(_mlp([latent, *reversed(hidden)]),
                                         nn.Linear(hidden[0] if hidden else latent, d),
                                         nn.Unflatten(1, self.input_shape))
        elif variant == "conv":
            c, h, w = _conv_shape(input_shape, channels)
            enc: list[nn.Module] = []
            c_in = input_shape[0]
            for c_out in channels:  # each stage halves H and W
                enc += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.ReLU()]
                c_in = c_out
            self.encoder = nn.Sequential(*enc, nn.Flatten())
            width = c * h * w
            dec: list[nn.Module] = [nn.Linear(latent, width), nn.ReLU(), nn.Unflatten(1, (c, h, w))]
            outs = [*reversed(channels[:-1]), input_shape[0]]
            for i, c_out in enumerate(outs):
                dec.append(nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1))
                if i < len(outs) - 1:
                    dec.append(nn.ReLU())
                c_in = c_out
            self.decoder = nn.Sequential(*dec)
        else:
            raise ConfigError(f"model.variant must be mlp or conv, not {variant!r}")
        self.to_mu = nn.Linear(width, latent)
        self.to_logvar = nn.Linear(width, latent)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)  # (B, width)
        return self.to_mu(h), self.to_logvar(h).clamp(-20.0, 10.0)  # (B, L) each; clamp keeps exp finite

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # (B, *input_shape): logits (bernoulli) or means (gaussian)

    def mean_image(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's expected ``x`` for latent codes ``z`` (pixels in [0, 1] for Bernoulli)."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)  # reparameterization trick
        return self.decode(z), mu, logvar


def elbo_terms(model: VAE, x: torch.Tensor, *, sample: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample reconstruction term ``-log p(x | z)`` and ``KL(q(z | x) || N(0, I))``, each ``(B,)``.

    ``sample=False`` decodes the posterior mean instead of a sample: deterministic, for scoring.
    The Gaussian likelihood has the fixed std ``model.sigma`` and includes its constants, so
    ``recon + kl`` is a true negative ELBO in nats for both likelihoods.

    Examples:
        >>> torch.manual_seed(0) and None
        >>> vae = VAE((4,), latent=2, hidden=(8,), likelihood="gaussian")
        >>> recon, kl = elbo_terms(vae, torch.zeros(3, 4))
        >>> recon.shape, bool((kl >= 0).all())
        (torch.Size([3]), True)
    """
    mu, logvar = model.encode(x)
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
    out = model.decode(z)
    if model.likelihood == "bernoulli":
        recon = F.binary_cross_entropy_with_logits(out, x, reduction="none")
    else:
        recon = 0.5 * ((out - x) / model.sigma) ** 2 + math.log(model.sigma) + 0.5 * LOG_2PI
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)  # (B,)
    return recon.flatten(1).sum(1), kl
