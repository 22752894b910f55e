"""A fast CIFAR network in the spirit of airbench (Jordan, 2024, "94 % on CIFAR-10 in 3.29 seconds").

A 2×2 convolution stem, then three blocks of conv 3×3 → max-pool 2 → batch norm → GELU → conv 3×3 →
batch norm → GELU (widths 64, 256, 256 by default: 32 → 31 → 15 → 7 → 3 pixels), a global max-pool and a
linear head without bias whose logits are scaled down (``1/9`` as in airbench: small initial logits,
a calm start at large learning rates). Pooling right after the first convolution of each block keeps
the second one at a quarter of the pixels: most of the compute is spent at low resolution, which is
why it trains fast on a CPU too.

airbench's other pieces are options, off by default: ``whiten=True`` makes the stem a frozen 2×2
convolution that whitens the image's 2×2 patches (its weights are the patch second-moment matrix's
eigenvectors over the square roots of their eigenvalues, each also negated: 2·C·4 channels, fitted
by :meth:`FastNet.init_from_data` on training images; only its bias learns), ``bn_fixed_scale`` keeps
every batch-norm scale at 1 and ``bn_momentum`` sets how fast the running statistics follow. The
identity initialisation (``model.init=dirac``), lookahead (``optim.lookahead``), the learning rate
of the batch-norm shifts (``optim.norm_lr_scale``) and translated test-time views
(``train.tta=flip-translate``) live where they apply to any model.

Examples:
    >>> import torch
    >>> FastNet((3, 32, 32), 10)(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from goodfit.models.mlp import make_activation

__all__ = ["FastNet", "FASTNET_WIDTHS", "whitening_weights"]

FASTNET_WIDTHS = (64, 256, 256)
LOGIT_SCALE = 1 / 9
WHITEN_EPS = 5e-4  # added to the patch covariance's eigenvalues (airbench's)


def _norm(channels: int, momentum: float, fixed_scale: bool) -> nn.BatchNorm2d:
    norm = nn.BatchNorm2d(channels, momentum=momentum)
    norm.weight.requires_grad_(not fixed_scale)
    return norm


class _Block(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, activation: str, momentum: float, fixed_scale: bool) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.MaxPool2d(2), _norm(c_out, momentum, fixed_scale),
            make_activation(activation),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), _norm(c_out, momentum, fixed_scale),
            make_activation(activation),
        )


def whitening_weights(x: torch.Tensor, eps: float = WHITEN_EPS) -> torch.Tensor:
    """The weights ``(2·C·4, C, 2, 2)`` of a 2×2 convolution that whitens the 2×2 patches of images
    ``x`` ``(N, C, H, W)``: one filter per eigenvector ``v`` of the patch second-moment matrix,
    ``v / sqrt(λ + eps)``, largest eigenvalue first, then the same filters negated (airbench).

    Examples:
        >>> w = whitening_weights(torch.randn(64, 3, 8, 8))
        >>> w.shape
        torch.Size([24, 3, 2, 2])
    """
    c = x.shape[1]
    patches = x.float().unfold(2, 2, 1).unfold(3, 2, 1)  # (N, C, H-1, W-1, 2, 2)
    patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, c * 4)  # (N·(H-1)·(W-1), C·2·2)
    moment = (patches.T.double() @ patches.double()) / len(patches)  # (C·4, C·4)
    eigenvalues, eigenvectors = torch.linalg.eigh(moment)  # ascending
    filters = (eigenvectors.T / torch.sqrt(eigenvalues.clamp_min(0) + eps)[:, None]).flip(0)
    filters = filters.reshape(c * 4, c, 2, 2).float()
    return torch.cat([filters, -filters])


class FastNet(nn.Module):
    """Stem (2×2 conv, ``stem`` channels) → one block per width → global max-pool → linear (no bias) × 1/9.

    ``whiten=True``: the stem has ``2·C·4`` channels, a bias and no batch norm, and its frozen weights
    come from :meth:`init_from_data`.
    """

    def __init__(self, input_shape: Sequence[int], n_classes: int, *, widths: Sequence[int] = FASTNET_WIDTHS,
                 stem: int = 24, activation: str = "gelu", whiten: bool = False, bn_momentum: float = 0.1,
                 bn_fixed_scale: bool = False) -> None:
        super().__init__()
        c = input_shape[0]
        self.whiten = whiten
        if whiten:
            stem = 2 * c * 4
            conv = nn.Conv2d(c, stem, 2, bias=True)
            conv.weight.requires_grad_(False)  # set by init_from_data, never trained
            self.stem = nn.Sequential(conv, make_activation(activation))
        else:
            self.stem = nn.Sequential(nn.Conv2d(c, stem, 2, bias=False), _norm(stem, bn_momentum, bn_fixed_scale),
                                      make_activation(activation))
        blocks, c_in = [], stem
        for width in widths:
            blocks.append(_Block(c_in, width, activation, bn_momentum, bn_fixed_scale))
            c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, n_classes, bias=False)

    def init_from_data(self, x: torch.Tensor) -> None:
        """Fit the whitening stem to training images ``x`` ``(N, C, H, W)``, as scaled for training
        (a few thousand are plenty); without ``whiten`` nothing depends on data."""
        if self.whiten:
            conv = self.stem[0]
            with torch.no_grad():
                conv.weight.copy_(whitening_weights(x.to(conv.weight.device)))
                conv.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, n_classes)
        features = self.blocks(self.stem(x)).amax(dim=(2, 3))  # (B, widths[-1])
        return self.head(features) * LOGIT_SCALE
