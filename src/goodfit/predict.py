"""Predictions on image files with a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from goodfit.errors import DataError

__all__ = ["load_image", "predict_files"]


def load_image(path: str | Path, input_shape: Sequence[int]) -> np.ndarray:
    """Read an image file as a raw ``(C, H, W)`` uint8 array the model's data set would hold.

    Grayscale models get a light-on-dark image (MNIST style): a picture with a light background
    (dark ink on white paper) is inverted.
    """
    from PIL import Image, UnidentifiedImageError

    c, h, w = input_shape
    try:
        with Image.open(path) as im:
            im = im.convert("L" if c == 1 else "RGB").resize((w, h), Image.Resampling.LANCZOS)
            arr = np.asarray(im, dtype=np.uint8)
    except FileNotFoundError:
        raise DataError(f"image {path} not found") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path} is not a readable image ({exc})") from None
    if c == 1:
        if arr.mean() > 127:  # dark ink on a light background
            arr = 255 - arr
        return arr[None]
    return arr.transpose(2, 0, 1)


def predict_files(run: str | Path, files: Sequence[str | Path], *, top_k: int = 5) -> list[dict[str, Any]]:
    """Top-k classes and probabilities for each image file."""
    from goodfit.experiment import load_model

    loaded = load_model(run)
    if len(loaded.input_shape) != 3:
        raise DataError(f"run {run} was trained on tabular data; predict takes images")
    x = np.stack([load_image(f, loaded.input_shape) for f in files])
    probs = loaded.predict_proba(x)
    out = []
    for f, p in zip(files, probs):
        order = np.argsort(p)[::-1][:top_k]
        out.append({"file": str(f), "top": [{"class": loaded.classes[i], "probability": float(p[i])} for i in order]})
    return out
