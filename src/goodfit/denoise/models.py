"""Mask networks: waveform in, waveform out. The noisy waveform's short-time spectrum (``torch.stft``,
Hann window) gives log magnitudes; a small network predicts a gain in [0, 1] per time-frequency bin;
the masked spectrum goes back through ``torch.istft`` with the *noisy phase*.

- ``mask-gru``: a per-frame linear layer, a unidirectional GRU over time (causal: it can run on a stream,
  chunk by chunk, carrying its hidden state), a linear layer to the mask.
- ``mask-conv``: the same with dilated 1-D convolutions over time (kernel 5, dilations 1, 2, 4, ...:
  ``layers`` of them see ``4 * (2**layers - 1) + 1`` frames) instead of the GRU.

Loudness does not matter to the mask: the log magnitudes are centred per clip.

Examples:
    >>> net = create_denoiser(MaskModelConfig(hidden=16, layers=1))
    >>> net(torch.randn(2, 4000)).shape
    torch.Size([2, 4000])
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from goodfit.denoise.config import MaskModelConfig
from goodfit.registry import Registry

__all__ = ["MaskNet", "DENOISERS", "create_denoiser", "enhance_batch", "neg_si_sdr", "spectral_loss"]


class MaskNet(nn.Module):
    """A magnitude-mask denoiser (see the module docstring); ``forward`` maps ``(B, samples)`` to the same."""

    def __init__(self, *, n_fft: int = 256, hop: int = 64, hidden: int = 192, layers: int = 2,
                 core: str = "gru") -> None:
        super().__init__()
        self.n_fft, self.hop, self.core_kind = n_fft, hop, core
        bins = n_fft // 2 + 1
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.inp = nn.Sequential(nn.Linear(bins, hidden), nn.ReLU())
        if core == "gru":
            self.core = nn.GRU(hidden, hidden, num_layers=layers, batch_first=True)
        else:
            self.core = nn.Sequential(*[m for i in range(layers)  # dilations 1, 2, 4, ...: context grows
                                        for m in (nn.Conv1d(hidden, hidden, 5, padding=2 << i, dilation=1 << i),
                                                  nn.ReLU())])
        self.out = nn.Linear(hidden, bins)

    def spectrum(self, x: torch.Tensor) -> torch.Tensor:
        """The complex short-time spectrum ``(B, F, T)`` of waveforms ``(B, samples)``."""
        return torch.stft(x, self.n_fft, self.hop, window=self.window, center=True, return_complex=True)

    def mask(self, spec: torch.Tensor) -> torch.Tensor:
        """Gains in [0, 1] ``(B, F, T)`` for a complex spectrum ``(B, F, T)``."""
        feats = torch.log(spec.abs() + 1e-5)
        feats = (feats - feats.mean(dim=(1, 2), keepdim=True)).transpose(1, 2)  # (B, T, F), loudness removed
        h = self.inp(feats)  # (B, T, hidden)
        if self.core_kind == "gru":
            h, _ = self.core(h)
        else:
            h = self.core(h.transpose(1, 2)).transpose(1, 2)
        return torch.sigmoid(self.out(h)).transpose(1, 2)  # (B, F, T)

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        spec = self.spectrum(noisy)  # (B, F, T)
        return torch.istft(spec * self.mask(spec), self.n_fft, self.hop, window=self.window, center=True,
                           length=noisy.shape[-1])  # (B, samples)


def neg_si_sdr(estimate: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """The mean negative SI-SDR (dB) over a batch ``(B, samples)``: the training loss (higher SI-SDR,
    lower loss); matches :func:`goodfit.metrics.audio.si_sdr` up to its small epsilon."""
    s = clean - clean.mean(-1, keepdim=True)
    e = estimate - estimate.mean(-1, keepdim=True)
    alpha = (e * s).sum(-1, keepdim=True) / ((s * s).sum(-1, keepdim=True) + 1e-8)
    target = alpha * s
    ratio = (target * target).sum(-1) / ((e - target) ** 2).sum(-1).clamp_min(1e-8)
    return -(10 * torch.log10(ratio + 1e-8)).mean()


def spectral_loss(estimate: torch.Tensor, clean: torch.Tensor, *, n_fft: int = 256, hop: int = 64) -> torch.Tensor:
    """L1 between power-law compressed magnitudes (``|S|^0.3``), a loss that weights quiet speech as the
    ear does."""
    window = torch.hann_window(n_fft, device=clean.device, dtype=clean.dtype)

    def mag(x: torch.Tensor) -> torch.Tensor:
        return torch.stft(x, n_fft, hop, window=window, center=True, return_complex=True).abs().clamp_min(1e-8)

    return (mag(estimate) ** 0.3 - mag(clean) ** 0.3).abs().mean()


@torch.no_grad()
def enhance_batch(model: nn.Module, noisy: np.ndarray, *, device: torch.device | str = "cpu",
                  batch_size: int = 32) -> np.ndarray:
    """The model's estimates for clips ``(N, samples)`` of one length, in eval mode."""
    was_training = model.training
    model.eval()
    out = [model(torch.from_numpy(np.ascontiguousarray(noisy[i : i + batch_size])).to(device)).cpu().numpy()
           for i in range(0, len(noisy), batch_size)]
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros_like(noisy)


DENOISERS: Registry[nn.Module] = Registry("denoiser")
DENOISERS.add("mask-gru", lambda cfg: MaskNet(n_fft=cfg.n_fft, hop=cfg.hop, hidden=cfg.hidden, layers=cfg.layers,
                                              core="gru"), "STFT mask from a causal GRU (streams)")
DENOISERS.add("mask-conv", lambda cfg: MaskNet(n_fft=cfg.n_fft, hop=cfg.hop, hidden=cfg.hidden, layers=cfg.layers,
                                               core="conv"), "STFT mask from dilated 1-D convolutions over time")


def create_denoiser(cfg: MaskModelConfig) -> nn.Module:
    """The network ``cfg.name`` names, built from ``cfg``."""
    return DENOISERS.create(cfg.name, cfg)
