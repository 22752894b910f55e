"""Predictions on image files with a trained run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from goodfit.errors import DataError

__all__ = ["load_image", "predict_files"]


def load_image(path: str | Path, input_shape: Sequence[int], *, dataset: str | None = None) -> np.ndarray:
    """Read an image file as a raw ``(C, H, W)`` uint8 array the model's data set would hold.

    Grayscale models get a light-on-dark image (MNIST style): a picture with a light background
    (dark ink on white paper) is inverted. 1×28×28 models (except ``dataset="fashion-mnist"``)
    get MNIST's framing: the ink cropped, scaled into 20×20 and centred by its centre of mass;
    ``goodfit serve`` prepares drawings with the same code (:mod:`goodfit.serve.preprocess`).
    """
    from goodfit.serve.preprocess import read_image, to_model_input

    return to_model_input(read_image(path), input_shape, dataset=dataset)


def predict_files(run: str | Path, files: Sequence[str | Path], *, top_k: int = 5) -> list[dict[str, Any]]:
    """Top-k classes and probabilities for each image file."""
    from goodfit.experiment import load_model

    loaded = load_model(run)
    if len(loaded.input_shape) != 3:
        raise DataError(f"run {run} was trained on tabular data; predict takes images")
    x = np.stack([load_image(f, loaded.input_shape, dataset=loaded.config.data.name) for f in files])
    probs = loaded.predict_proba(x)
    out = []
    for f, p in zip(files, probs):
        order = np.argsort(p)[::-1][:top_k]
        out.append({"file": str(f), "top": [{"class": loaded.classes[i], "probability": float(p[i])} for i in order]})
    return out
