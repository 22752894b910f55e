"""Devices, dtypes, seeds and determinism: all arguments, CPU always works."""

from __future__ import annotations

import functools
import os
import platform
import random
import sys

import numpy as np
import torch

from goodfit.errors import ConfigError

__all__ = ["resolve_device", "resolve_dtype", "seed_everything", "set_deterministic", "amp_dtype", "place_model",
           "slow_cpu_bfloat16"]

X86 = ("x86_64", "amd64", "i386", "i686")


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA if present, else MPS, else CPU; an unavailable device is a clear error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use cpu, cuda, cuda:N, mps or auto") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device=cuda but no CUDA GPU is visible; use train.device=cpu or auto")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("train.device=mps but MPS is not available; use train.device=cpu or auto")
    return device


def resolve_dtype(name: str) -> torch.dtype:
    return {"float32": torch.float32, "float64": torch.float64}[name]


def slow_cpu_bfloat16() -> bool:
    """An x86 CPU without AVX-512 (torch's kernels run at AVX2 or below): oneDNN has no bfloat16
    kernels for it, and bfloat16 autocast trains many times slower than float32 there."""
    return (platform.machine().lower() in X86
            and torch.backends.cpu.get_cpu_capability() in ("AVX2", "NO AVX", "DEFAULT"))


def amp_dtype(device: torch.device, enabled: bool) -> torch.dtype | None:
    """bfloat16 autocast on CPU, float16 on CUDA; None when AMP is off, and on a CPU where bfloat16
    would be slower than float32 (:func:`slow_cpu_bfloat16`; a note on stderr says so, once)."""
    if not enabled:
        return None
    if device.type == "cuda":
        return torch.float16
    if device.type == "cpu" and slow_cpu_bfloat16():
        _note_float32()
        return None
    return torch.bfloat16


@functools.cache
def _note_float32() -> None:
    print(f"train.amp: this CPU runs torch at {torch.backends.cpu.get_cpu_capability()}, without AVX-512, where "
          "bfloat16 autocast is many times slower than float32: training in float32", file=sys.stderr)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def set_deterministic(enabled: bool) -> None:
    """Bit-identical reruns on one machine (may be slower on GPU)."""
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    # switching it off when it is already off would import torch._dynamo (seconds) for nothing
    if enabled or torch.are_deterministic_algorithms_enabled():
        torch.use_deterministic_algorithms(enabled, warn_only=False)
    torch.backends.cudnn.benchmark = not enabled


def place_model(model: torch.nn.Module, device: torch.device, dtype: torch.dtype | None = None) -> torch.nn.Module:
    """Move ``model`` to ``device`` (and ``dtype``); models with 2-D convolutions go channels-last.

    oneDNN (CPU) and cuDNN (GPU, mixed precision) run convolutions fastest on NHWC tensors: the
    course convnet on MNIST trains faster per step on CPU (measured in bench/RESULTS.md). Only the
    memory layout changes: values, state dicts and checkpoints are the same.

    Examples:
        >>> conv = place_model(torch.nn.Conv2d(3, 8, 3), torch.device("cpu"))
        >>> conv.weight.is_contiguous(memory_format=torch.channels_last)
        True
    """
    model = model.to(device=device, dtype=dtype) if dtype is not None else model.to(device=device)
    if device.type in ("cpu", "cuda") and any(isinstance(m, torch.nn.Conv2d) for m in model.modules()):
        model = model.to(memory_format=torch.channels_last)
    return model
