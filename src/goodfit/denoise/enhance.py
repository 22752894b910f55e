"""Denoising sound files with a trained run: any length, any sample rate.

The file is resampled to the model's rate (polyphase), cut into chunks of ``chunk_s`` seconds that
overlap by ``overlap_s`` (so memory stays flat however long the file is), each chunk denoised, the
chunks joined with linear cross-fades, and the result resampled back to the file's own rate.

Examples:
    >>> import torch
    >>> identity = torch.nn.Identity()
    >>> x = np.random.default_rng(0).normal(size=25_000).astype(np.float32)
    >>> bool(np.allclose(enhance(identity, x, chunk=8000, overlap=1000), x, atol=1e-6))
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from goodfit.errors import ConfigError, RunDirError

__all__ = ["LoadedDenoiser", "load_denoiser", "enhance", "enhance_file"]


@dataclass(frozen=True)
class LoadedDenoiser:
    """A trained denoiser, ready to use: the network (eval mode) and its sample rate."""

    model: nn.Module
    sr: int
    run_dir: Path


def load_denoiser(run: str | Path, *, device: torch.device | str = "cpu") -> LoadedDenoiser:
    """The best-validation weights of a ``goodfit denoise train`` run."""
    from goodfit.config import config_from_dict
    from goodfit.denoise.config import DenoiseConfig
    from goodfit.denoise.models import create_denoiser
    from goodfit.run import RunDir
    from goodfit.train.callbacks import load_checkpoint

    rd = RunDir.open(run)
    path = next((p for p in (rd.checkpoints / "best.pt", rd.checkpoints / "last.pt") if p.is_file()), None)
    if path is None:
        raise RunDirError(f"{rd.path} has no checkpoints; train it first (goodfit denoise train)")
    ckpt = load_checkpoint(path, map_location=device)
    if ckpt.get("kind") != "denoise":
        raise RunDirError(f"{rd.path} is not a denoising run; pass a folder made by goodfit denoise train")
    cfg = config_from_dict(ckpt["config"], DenoiseConfig)
    model = create_denoiser(cfg.model).to(device)
    model.load_state_dict(ckpt["model"])
    return LoadedDenoiser(model.eval(), int(ckpt["sr"]), rd.path)


@torch.no_grad()
def enhance(model: nn.Module, audio: np.ndarray, *, chunk: int, overlap: int,
            device: torch.device | str = "cpu") -> np.ndarray:
    """``model`` applied to ``audio`` (1-D, at the model's rate) in overlapping chunks of ``chunk``
    samples, joined by linear cross-fades of ``overlap`` samples."""
    if not 0 <= overlap < chunk:
        raise ConfigError(f"the overlap ({overlap} samples) must be shorter than a chunk ({chunk})")
    x = np.asarray(audio, dtype=np.float32)
    if len(x) <= chunk:
        return model(torch.from_numpy(x[None].copy()).to(device))[0].cpu().numpy()
    out = np.zeros(len(x), dtype=np.float64)
    weight = np.zeros(len(x), dtype=np.float64)
    step = chunk - overlap
    for start in range(0, len(x) - overlap, step):
        piece = x[start : start + chunk]
        est = model(torch.from_numpy(piece[None].copy()).to(device))[0].cpu().numpy().astype(np.float64)
        w = np.ones(len(piece))
        if overlap:
            ramp = np.linspace(0.0, 1.0, overlap + 2)[1:-1]
            if start > 0:
                w[:overlap] = ramp
            if start + chunk < len(x):
                w[-overlap:] = np.minimum(w[-overlap:], ramp[::-1])
        out[start : start + len(piece)] += w * est
        weight[start : start + len(piece)] += w
    return (out / np.maximum(weight, 1e-12)).astype(np.float32)


def enhance_file(run: str | Path, source: str | Path, target: str | Path, *, chunk_s: float = 10.0,
                 overlap_s: float = 0.5, overwrite: bool = False, device: torch.device | str = "cpu") -> Path:
    """Denoise the sound file ``source`` into ``target`` (WAV, FLAC or OGG by its suffix; 16-bit for WAV),
    at ``source``'s own sample rate; ``target`` is written atomically and never overwritten unless asked."""
    import io

    import soundfile

    from goodfit.data.audio import AUDIO_SUFFIXES, read_audio, resample
    from goodfit.run import atomic_write_bytes

    target = Path(target)
    if target.suffix.lower() not in AUDIO_SUFFIXES:
        raise ConfigError(f"-o {target}: write a .wav, .flac or .ogg file")
    if target.exists() and not overwrite:
        raise ConfigError(f"{target} exists; choose another name or pass --overwrite")
    if Path(source).resolve() == target.resolve():
        raise ConfigError("the output must not be the input file; choose another name")
    loaded = load_denoiser(run, device=device)
    audio, rate = read_audio(source)
    if not len(audio):
        raise ConfigError(f"{source} holds no samples")
    x = resample(audio, rate, loaded.sr)
    y = enhance(loaded.model, x, chunk=max(1, int(chunk_s * loaded.sr)), overlap=int(overlap_s * loaded.sr),
                device=device)
    y = resample(y, loaded.sr, rate)[: len(audio)]
    buf = io.BytesIO()
    kind = target.suffix.lower().lstrip(".")
    soundfile.write(buf, np.clip(y, -1.0, 1.0), rate, format=kind.upper(),
                    subtype="PCM_16" if kind in ("wav", "flac") else None)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, buf.getvalue())
    return target
