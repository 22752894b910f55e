"""Keras-style data as goodfit's checks and reports read it: NumPy arrays (or lists, torch tensors), an
``(x, y)`` / ``(x, y, sample_weight)`` tuple as ``validation_data`` takes it, or a
``keras.utils.PyDataset`` yielding such batches. Nothing here imports Keras."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["is_pydataset", "keras_arrays", "unpack_xy", "MAX_SAMPLES"]

MAX_SAMPLES = 60_000  # as many as the lint reads from a loader


def is_pydataset(data: Any) -> bool:
    """A ``keras.utils.PyDataset`` (batches by index), told by its class without importing Keras."""
    return any(c.__name__ == "PyDataset" and c.__module__.startswith("keras") for c in type(data).__mro__)


def unpack_xy(data: Any) -> tuple[Any, Any]:
    """``(x, y)`` of a tuple or list ``(x, y[, sample_weight])``; ``(data, None)`` for anything else.

    Examples:
        >>> unpack_xy((np.zeros(3), np.ones(3), np.ones(3)))[1]
        array([1., 1., 1.])
    """
    if isinstance(data, (tuple, list)) and len(data) in (2, 3) and not np.isscalar(data[0]):
        return data[0], data[1]
    return data, None


def keras_arrays(x: Any, y: Any = None, *, limit: int = MAX_SAMPLES,
                 float_inputs: bool = True) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Inputs and targets as tensors (up to ``limit`` samples, in their order), or None when they are not
    one array of inputs and one of targets (a dict of inputs, strings, no targets).

    ``x`` may also hold the targets (a ``(x, y)`` tuple, a PyDataset). Integer inputs become float32 with
    ``float_inputs`` (Keras feeds them to its layers as floats): the scaling checks see raw pixels.

    Examples:
        >>> xs, ys = keras_arrays(np.arange(12, dtype=np.uint8).reshape(4, 3), np.array([0, 1, 0, 1]))
        >>> xs.dtype, tuple(xs.shape), ys.tolist()
        (torch.float32, (4, 3), [0, 1, 0, 1])
    """
    if y is None and is_pydataset(x):
        return _pydataset_arrays(x, limit, float_inputs)
    if y is None:
        x, y = unpack_xy(x)
    if x is None or y is None:
        return None
    xs, ys = _tensor(x, limit), _tensor(y, limit)
    if xs is None or ys is None or len(xs) != len(ys) or xs.ndim < 1:
        return None
    return (_floats(xs) if float_inputs else xs), ys


def _pydataset_arrays(data: Any, limit: int, float_inputs: bool) -> tuple[torch.Tensor, torch.Tensor] | None:
    xs, ys, n = [], [], 0
    try:
        batches = int(getattr(data, "num_batches", None) or len(data))
    except TypeError:  # an endless PyDataset: no length to read up to
        return None
    for i in range(batches):
        part = keras_arrays(data[i], limit=limit, float_inputs=float_inputs)
        if part is None or (xs and (part[0].shape[1:] != xs[0].shape[1:] or part[1].shape[1:] != ys[0].shape[1:])):
            return None
        xs.append(part[0])
        ys.append(part[1])
        n += len(part[1])
        if n >= limit:
            break
    return (torch.cat(xs)[:limit], torch.cat(ys)[:limit]) if xs else None


def _tensor(value: Any, limit: int) -> torch.Tensor | None:
    if isinstance(value, dict) or isinstance(value, (str, bytes)):
        return None
    try:
        if isinstance(value, torch.Tensor):
            return value.detach()[:limit].cpu()
        array = np.asarray(value[:limit] if hasattr(value, "__getitem__") and not np.isscalar(value) else value)
        if array.dtype == object or array.dtype.kind in "USV":
            return None
        return torch.from_numpy(np.ascontiguousarray(array))
    except (TypeError, ValueError, RuntimeError):  # ragged lists, odd objects: nothing to check
        return None


def _floats(x: torch.Tensor) -> torch.Tensor:
    if x.is_floating_point():
        return x.float() if x.dtype == torch.float64 else x
    return x.float() if x.dtype != torch.bool else x
