"""Batched, on-device data augmentation with per-sample random parameters.

One ``affine_grid`` + ``grid_sample`` call moves every image of a batch by its own random shift
and rotation, so augmentation costs one kernel, not a Python loop over samples.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from goodfit.errors import ConfigError

__all__ = ["make_augment", "random_affine", "random_hflip"]


def random_affine(
    x: torch.Tensor, g: torch.Generator | None, *, max_shift: float, max_degrees: float
) -> torch.Tensor:
    """Shift each image by up to ``max_shift`` pixels and rotate it by up to ``max_degrees``."""
    n, _, h, w = x.shape  # (B, C, H, W)
    opts = {"device": x.device, "dtype": x.dtype, "generator": g}
    angle = (torch.rand(n, **opts) * 2 - 1) * math.radians(max_degrees)
    shift = (torch.rand(n, 2, **opts) * 2 - 1) * max_shift
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [
            torch.stack([cos, -sin, shift[:, 0] * 2 / w], dim=1),
            torch.stack([sin, cos, shift[:, 1] * 2 / h], dim=1),
        ],
        dim=1,
    )  # (B, 2, 3), translations in normalized [-1, 1] coordinates
    grid = _affine_grid(theta, h, w)
    # fill with each image's minimum: the background after scaling (0 px maps to a negative value)
    fill = x.amin(dim=(1, 2, 3), keepdim=True)
    return F.grid_sample(x - fill, grid, padding_mode="zeros", align_corners=False) + fill


def _affine_grid(theta: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """``F.affine_grid(theta, (B, C, h, w), align_corners=False)`` as one batched matmul
    (torch's CPU kernel is much slower for small images)."""
    ys = (torch.arange(h, device=theta.device, dtype=theta.dtype) * 2 + 1) / h - 1
    xs = (torch.arange(w, device=theta.device, dtype=theta.dtype) * 2 + 1) / w - 1
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    base = torch.stack([gx, gy, torch.ones_like(gx)], dim=-1).view(1, h * w, 3)  # (1, HW, 3)
    return (base @ theta.transpose(1, 2)).view(-1, h, w, 2)  # (B, H, W, 2)


def random_hflip(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    flip = torch.rand(x.shape[0], device=x.device, generator=g) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def make_augment(name: str):
    """``shift`` (digits: ±2 px, ±10°), ``crop-flip`` (CIFAR: ±4 px, horizontal flip) or None."""
    if name == "none":
        return None
    if name == "shift":
        return lambda x, g: random_affine(x, g, max_shift=2.0, max_degrees=10.0)
    if name == "crop-flip":
        return lambda x, g: random_hflip(random_affine(x, g, max_shift=4.0, max_degrees=0.0), g)
    raise ConfigError(f"unknown augmentation {name!r}; choose none, shift or crop-flip")
