"""Predictions with a trained run on files: images for image models, CSV rows for table models.

A classifier answers with its top classes and their probabilities, a binary model with both classes'
probabilities, a regression model with values in the target's units, and a reconstruction or
denoising model with an output image written to ``out_dir``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from goodfit.errors import ConfigError, DataError

__all__ = ["load_image", "load_table_rows", "predict_files"]

LABEL_COLUMNS = ("label", "target", "class", "y")  # as csv: data sets name them; dropped before predicting


def load_image(path: str | Path, input_shape: Sequence[int], *, dataset: str | None = None) -> np.ndarray:
    """Read an image file as a raw ``(C, H, W)`` uint8 array the model's data set would hold.

    Grayscale models get a light-on-dark image (MNIST style): a picture with a light background
    (dark ink on white paper) is inverted. 1×28×28 models (except ``dataset="fashion-mnist"``)
    get MNIST's framing: the ink cropped, scaled into 20×20 and centred by its centre of mass;
    ``goodfit serve`` prepares drawings with the same code (:mod:`goodfit.data.images`).
    """
    from goodfit.data.images import read_image, to_model_input

    return to_model_input(read_image(path), input_shape, dataset=dataset)


def load_table_rows(path: str | Path, n_features: int) -> np.ndarray:
    """The rows of a CSV file with a header as ``(N, n_features)`` float32 features; a label column
    (``label``, ``target``, ``class`` or ``y``) is left out, as in training."""
    import pandas as pd

    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file} not found; pass CSV files with one row per sample")
    try:
        df = pd.read_csv(file)
    except Exception as exc:
        raise DataError(f"{file} is not a readable CSV ({str(exc).splitlines()[0]})") from None
    df = df.drop(columns=[c for c in LABEL_COLUMNS if c in df.columns])
    if df.shape[1] != n_features:
        raise DataError(f"{file} has {df.shape[1]} feature columns but the model was trained on {n_features}; "
                        "give the same columns, in the training order, with a header row")
    if not all(pd.api.types.is_numeric_dtype(df[c]) for c in df.columns) or df.isna().any().any():
        raise DataError(f"{file}: every feature must be a number, none missing")
    x = df.to_numpy(np.float32)
    if not np.isfinite(x).all():
        raise DataError(f"{file} has infinite feature values")
    return x


def predict_files(run: str | Path, files: Sequence[str | Path], *, top_k: int = 5,
                  out_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """One answer per image file (image models) or per CSV row (table models), in the task's terms."""
    from goodfit.trained import load_model

    if top_k < 1:
        raise ConfigError(f"--top-k must be at least 1, not {top_k}")
    loaded = load_model(run)
    task = loaded.task.name
    if task in ("reconstruction", "denoising") and out_dir is None:
        raise ConfigError(f"a {task} model answers with images: pass --out FOLDER for them")
    if len(loaded.input_shape) == 3:
        x = np.stack([load_image(f, loaded.input_shape, dataset=loaded.config.data.name) for f in files])
        sources = [{"file": str(f)} for f in files]
    else:
        parts = [load_table_rows(f, int(np.prod(loaded.input_shape))) for f in files]
        x = np.concatenate(parts).reshape(-1, *loaded.input_shape)
        sources = [{"file": str(f), "row": i} for f, part in zip(files, parts) for i in range(len(part))]
    outputs = loaded.predict(x)
    if task in ("classification", "binary"):
        probs = loaded.predict_proba(x)
        k = min(top_k, probs.shape[1])
        return [{**src, "top": [{"class": loaded.classes[i], "probability": float(p[i])}
                                for i in np.argsort(p)[::-1][:k]]} for src, p in zip(sources, probs)]
    if task == "regression":
        return [{**src, "value": [float(v) for v in row]} for src, row in zip(sources, outputs)]
    return [{**src, "output": str(_save_image(out, Path(out_dir), src))} for src, out in zip(sources, outputs)]


def _save_image(arr: np.ndarray, out_dir: Path, source: dict[str, Any]) -> Path:
    """One output image as a PNG (its values stretched to 0..255) named after its input."""
    from PIL import Image

    from goodfit.run import atomic_write_bytes

    img = np.asarray(arr, np.float64)
    img = img[0] if img.ndim == 3 and img.shape[0] == 1 else np.moveaxis(img, 0, -1) if img.ndim == 3 else img
    lo, hi = float(img.min()), float(img.max())
    pixels = np.round(255 * (img - lo) / (hi - lo if hi > lo else 1.0)).astype(np.uint8)
    name = Path(source["file"]).stem + (f"-{source['row']}" if "row" in source else "") + ".output.png"
    path = out_dir / name
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    atomic_write_bytes(path, buf.getvalue())
    return path
