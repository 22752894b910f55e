"""Figures of a denoising run: learning curves, and the spectrograms of noisy, denoised and clean speech."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from goodfit.report.plots import figure_png, new_figure

__all__ = ["denoise_curves", "spectrograms", "log_spectrogram"]


def log_spectrogram(x: np.ndarray, *, sr: int, n_fft: int = 256, hop: int = 64) -> np.ndarray:
    """Power in dB ``(n_fft // 2 + 1, frames)`` of a clip (Hann window, ``torch.stft``)."""
    import torch

    window = torch.hann_window(n_fft)
    spec = torch.stft(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), n_fft, hop, window=window,
                      center=True, return_complex=True)
    return (10 * torch.log10(spec.abs() ** 2 + 1e-10)).numpy()


def spectrograms(waves: Mapping[str, np.ndarray], *, sr: int, order: Sequence[str] = ("noisy", "denoised", "clean"),
                 ) -> bytes:
    """Side-by-side spectrograms (one shared colour scale, 60 dB deep) of the clips in ``waves``."""
    names = [n for n in order if n in waves]
    specs = {n: log_spectrogram(waves[n], sr=sr) for n in names}
    top = max(float(s.max()) for s in specs.values())
    fig = new_figure(3.2 * len(names), 2.6)
    for k, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), k + 1)
        s = specs[name]
        extent = (0, len(waves[name]) / sr, 0, sr / 2000)
        image = ax.imshow(s, origin="lower", aspect="auto", extent=extent, vmin=top - 60, vmax=top, cmap="magma")
        ax.set_title(name)
        ax.set_xlabel("time (s)")
        if k == 0:
            ax.set_ylabel("frequency (kHz)")
    fig.colorbar(image, ax=fig.axes, label="dB", shrink=0.9)
    return figure_png(fig)


def denoise_curves(history: Sequence[dict[str, Any]]) -> bytes:
    """Training loss and validation SI-SDR per epoch."""
    epochs = [row["epoch"] for row in history]
    fig = new_figure(8, 3)
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(epochs, [row.get("train_loss", np.nan) for row in history], marker="o", label="train (−SI-SDR)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    ax = fig.add_subplot(1, 2, 2)
    ax.plot(epochs, [row.get("valid_si_sdr", np.nan) for row in history], marker="o", color="C1",
            label="valid SI-SDR")
    ax.plot(epochs, [row.get("valid_si_sdri", np.nan) for row in history], marker="s", color="C2",
            label="valid improvement")
    ax.set_xlabel("epoch")
    ax.set_ylabel("dB")
    ax.legend()
    return figure_png(fig)
