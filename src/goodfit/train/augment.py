"""Batched, on-device data augmentation with per-sample random parameters.

One ``affine_grid`` + ``grid_sample`` call moves every image of a batch by its own random shift
and rotation, so augmentation costs one kernel, not a Python loop over samples.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from goodfit.errors import ConfigError

__all__ = ["make_augment", "random_affine", "random_crop", "random_cutout", "random_hflip", "random_spectrogram",
           "AUGMENTS"]

AUGMENTS = ("none", "shift", "crop-flip", "crop-flip-cutout", "spectrogram")


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


def random_crop(x: torch.Tensor, g: torch.Generator | None, *, pad: int) -> torch.Tensor:
    """Each image cut at its own random offset out of itself padded by ``pad`` pixels of reflection
    (torchvision's ``RandomCrop(size, padding=pad, padding_mode="reflect")``, batched: two gathers)."""
    n, c, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    offsets = torch.randint(0, 2 * pad + 1, (2, n), device=x.device, generator=g)
    rows = offsets[0][:, None] + torch.arange(h, device=x.device)  # (B, H) rows of the padded image
    cols = offsets[1][:, None] + torch.arange(w, device=x.device)  # (B, W)
    strip = padded.gather(2, rows[:, None, :, None].expand(n, c, h, w + 2 * pad))  # (B, C, H, W + 2 pad)
    return strip.gather(3, cols[:, None, None, :].expand(n, c, h, w))


def random_cutout(x: torch.Tensor, g: torch.Generator | None, *, size: int) -> torch.Tensor:
    """A ``size``×``size`` square set to 0 (the mean, after standardization) at a random place in each
    image, clipped at the borders (DeVries & Taylor, 2017)."""
    n, _, h, w = x.shape
    centre = torch.rand(2, n, device=x.device, generator=g)
    top = (centre[0] * h).long()[:, None, None] - size // 2
    left = (centre[1] * w).long()[:, None, None] - size // 2
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    hole = (rows >= top) & (rows < top + size) & (cols >= left) & (cols < left + size)  # (B, H, W)
    return x.masked_fill(hole[:, None], 0.0)


def random_hflip(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    flip = torch.rand(x.shape[0], device=x.device, generator=g) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def random_spectrogram(x: torch.Tensor, g: torch.Generator | None, *, max_shift: float = 8.0,
                       max_warp: float = 0.12, max_band: int = 6, max_frames: int = 10) -> torch.Tensor:
    """Spectrograms ``(B, 1, bands, frames)`` as another voice might have said them: shifted in time
    by up to ``max_shift`` frames, the frequency axis stretched or squeezed by up to ``max_warp``
    (a longer or shorter vocal tract), then one band of up to ``max_band`` bands and one stretch of up
    to ``max_frames`` frames masked (SpecAugment, Park et al. 2019), each sample its own draw."""
    n, _, h, w = x.shape
    opts = {"device": x.device, "dtype": x.dtype, "generator": g}
    zero, one = torch.zeros(n, device=x.device, dtype=x.dtype), torch.ones(n, device=x.device, dtype=x.dtype)
    scale = 1 + (torch.rand(n, **opts) * 2 - 1) * max_warp
    shift = (torch.rand(n, **opts) * 2 - 1) * max_shift * 2 / w
    # band y_out samples y_in = scale * y_out + (scale - 1): the lowest band (y = -1) stays, formants move
    theta = torch.stack([torch.stack([one, zero, shift], 1), torch.stack([zero, scale, scale - 1], 1)], 1)
    fill = x.amin(dim=(1, 2, 3), keepdim=True)  # silence
    out = F.grid_sample(x - fill, _affine_grid(theta, h, w), padding_mode="zeros", align_corners=False)
    bands = torch.arange(h, device=x.device)[None, :, None]
    frames = torch.arange(w, device=x.device)[None, None, :]
    f0 = (torch.rand(n, **opts) * h).long()[:, None, None]
    f_len = (torch.rand(n, **opts) * (max_band + 1)).long()[:, None, None]
    t0 = (torch.rand(n, **opts) * w).long()[:, None, None]
    t_len = (torch.rand(n, **opts) * (max_frames + 1)).long()[:, None, None]
    masked = ((bands >= f0) & (bands < f0 + f_len)) | ((frames >= t0) & (frames < t0 + t_len))  # (B, H, W)
    return out.masked_fill(masked[:, None], 0.0) + fill


def make_augment(name: str, *, crop_pad: int = 4):
    """``shift`` (digits: ±2 px, ±10°), ``crop-flip`` (CIFAR: crops of the image reflect-padded by
    ``crop_pad`` px, mirror flips), ``crop-flip-cutout`` (and a 12×12 hole), ``spectrogram`` (audio: time
    shift, frequency warp, SpecAugment masks) or None."""
    if name == "none":
        return None
    if name == "shift":
        return lambda x, g: random_affine(x, g, max_shift=2.0, max_degrees=10.0)
    if name == "crop-flip":
        return lambda x, g: random_hflip(random_crop(x, g, pad=crop_pad), g)
    if name == "crop-flip-cutout":
        return lambda x, g: random_cutout(random_hflip(random_crop(x, g, pad=crop_pad), g), g, size=12)
    if name == "spectrogram":
        return random_spectrogram
    raise ConfigError(f"unknown augmentation {name!r}; choose one of {', '.join(AUGMENTS)}")
