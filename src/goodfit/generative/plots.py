"""Figures for generative runs, as PNG bytes: image grids, the latent space, curves, label shares.

Drawn on matplotlib's Agg canvas without pyplot (see :mod:`goodfit.report.plots`).

Examples:
    >>> png = image_grid(np.random.default_rng(0).random((6, 1, 8, 8)), cols=3)
    >>> png[:4] == b"\\x89PNG"
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from goodfit.report.plots import figure_png, image_for_display, new_figure

__all__ = ["image_grid", "mosaic", "latent_scatter", "generative_curves", "label_bars"]


def mosaic(images: np.ndarray, *, cols: int, pad: int = 1) -> np.ndarray:
    """Tile ``(N, C, H, W)`` images in [0, 1] into one ``(rows·H, cols·W[, 3])`` array (white gaps)."""
    shown = [image_for_display(np.clip(im, 0, 1))[0] for im in images]
    h, w = shown[0].shape[:2]
    rows = max(1, -(-len(shown) // cols))
    color = shown[0].ndim == 3
    out = np.ones((rows * (h + pad) - pad, cols * (w + pad) - pad) + ((3,) if color else ()))
    for k, arr in enumerate(shown):
        r, c = divmod(k, cols)
        out[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = arr
    return out


def image_grid(images: np.ndarray, *, cols: int | None = None, title: str | None = None,
               cell_inches: float = 0.45) -> bytes:
    """Images ``(N, C, H, W)`` in [0, 1] as one grid (``cols`` default: a square)."""
    images = np.asarray(images)
    cols = cols or max(1, int(np.ceil(np.sqrt(len(images)))))
    grid = mosaic(images, cols=cols)
    fig = new_figure(max(cols * cell_inches, 2.0), max(cell_inches * grid.shape[0] / images.shape[-2], 0.6) + 0.3)
    ax = fig.add_subplot()
    ax.imshow(grid, cmap=None if grid.ndim == 3 else "gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=8)
    return figure_png(fig)


def latent_scatter(z: np.ndarray, y: np.ndarray, classes: Sequence[str], *, title: str = "") -> bytes:
    """Posterior means of test images in a 2-D latent space, coloured by class."""
    fig = new_figure(5.2, 4.4)
    ax = fig.add_subplot()
    for c in np.unique(y)[:20]:
        m = y == c
        ax.scatter(z[m, 0], z[m, 1], s=3, alpha=0.5, label=str(classes[int(c)]))
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.legend(fontsize=7, markerscale=4, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    return figure_png(fig)


def generative_curves(history: Sequence[dict[str, Any]]) -> bytes:
    """VAE: train / valid negative ELBO per epoch. GAN: generator and discriminator losses."""
    fig = new_figure(5.0, 3.2)
    ax = fig.add_subplot()
    epochs = [row["epoch"] for row in history]
    gan = any("d_loss" in row for row in history)
    keys = (("train_loss", "generator"), ("d_loss", "discriminator")) if gan else \
        (("train_loss", "train -ELBO"), ("valid_loss", "valid -ELBO"))
    for key, label in keys:
        values = [row.get(key, np.nan) for row in history]
        if not all(v != v for v in values):  # skip all-NaN columns
            ax.plot(epochs, values, "-o", markersize=3, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (BCE)" if gan else "nats per image")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_png(fig)


def label_bars(shares: Sequence[float], classes: Sequence[str], *, reference: Sequence[float] | None = None,
               title: str = "") -> bytes:
    """The classifier's label shares over samples (bars) beside those over real test images (ticks)."""
    fig = new_figure(max(3.5, 0.45 * len(classes) + 1.5), 3.0)
    ax = fig.add_subplot()
    x = np.arange(len(classes))
    ax.bar(x, shares, color="#7b93c9", label="samples")
    if reference is not None:
        ax.scatter(x, reference, marker="_", s=300, color="black", label="real test images")
    ax.axhline(1.0 / len(classes), color="grey", linestyle=":", linewidth=1)
    names = [str(c) for c in classes]
    ax.set_xticks(x, names, rotation=45 if max(map(len, names)) > 2 else 0, fontsize=8,
                  ha="right" if max(map(len, names)) > 2 else "center")
    ax.set_ylabel("share of predicted labels")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return figure_png(fig)
