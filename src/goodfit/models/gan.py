"""A small DCGAN (Radford et al., 2016) for 28×28 (or any H, W divisible by 4) images.

Generator: ``z (B, L)`` → linear → ``(2c, H/4, W/4)`` → two stride-2 transposed convs → ``tanh``.
Discriminator: two stride-2 convs with LeakyReLU (batch norm on the second) → one logit.
Both speak pixels in [0, 1] (``data.scaling=minmax01``), like the VAE: the generator maps its
``tanh`` output to [0, 1] and the discriminator maps its input back to [-1, 1], the range DCGAN's
recipe assumes. Not a classifier and not in ``MODELS``: see ``goodfit.generative.GENERATORS``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from goodfit.errors import ConfigError

__all__ = ["GAN", "Generator", "Discriminator"]


def _check_shape(input_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(input_shape) != 3 or input_shape[1] % 4 or input_shape[2] % 4:
        raise ConfigError(f"gan needs (C, H, W) images with H and W divisible by 4; got {tuple(input_shape)}")
    return tuple(input_shape)  # type: ignore[return-value]


def _init_dcgan(module: nn.Module) -> None:
    """DCGAN's initialization: conv weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    """``(B, latent)`` noise → ``(B, C, H, W)`` images in [0, 1]."""

    def __init__(self, input_shape: Sequence[int], *, latent: int = 64, width: int = 64) -> None:
        super().__init__()
        c, h, w = _check_shape(input_shape)
        self.latent = latent
        self.net = nn.Sequential(
            nn.Linear(latent, 2 * width * (h // 4) * (w // 4), bias=False),
            nn.Unflatten(1, (2 * width, h // 4, w // 4)),
            nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # (B, w, H/2, W/2)
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, c, 4, stride=2, padding=1),  # (B, C, H, W)
            nn.Tanh(),
        )
        self.apply(_init_dcgan)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (self.net(z) + 1.0) / 2.0  # tanh's [-1, 1] → pixels in [0, 1]


class Discriminator(nn.Module):
    """``(B, C, H, W)`` images in [0, 1] → ``(B,)`` logits of "real"."""

    def __init__(self, input_shape: Sequence[int], *, width: int = 64) -> None:
        super().__init__()
        c, h, w = _check_shape(input_shape)
        self.net = nn.Sequential(
            nn.Conv2d(c, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, w, H/2, W/2)
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # (B, 2w, H/4, W/4)
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * (h // 4) * (w // 4), 1),
        )
        self.apply(_init_dcgan)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(2.0 * x - 1.0).squeeze(1)


class GAN(nn.Module):
    """A generator and its discriminator, kept together so one state dict holds both.

    Examples:
        >>> gan = GAN((1, 28, 28), latent=8, width=8)
        >>> x = gan.generator(torch.randn(3, 8))
        >>> x.shape, bool(((x >= 0) & (x <= 1)).all()), gan.discriminator(x).shape
        (torch.Size([3, 1, 28, 28]), True, torch.Size([3]))
    """

    def __init__(self, input_shape: Sequence[int], *, latent: int = 64, width: int = 64) -> None:
        super().__init__()
        self.input_shape, self.latent = tuple(input_shape), latent
        self.generator = Generator(input_shape, latent=latent, width=width)
        self.discriminator = Discriminator(input_shape, width=width)

    def mean_image(self, z: torch.Tensor) -> torch.Tensor:
        """Images for latent codes ``z``: the same call as :meth:`VAE.mean_image`."""
        return self.generator(z)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)
