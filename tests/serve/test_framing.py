"""The image framing of :mod:`goodfit.data.images` with a trained MNIST model: ``goodfit serve``'s
predictor and ``goodfit predict`` read transformed real digits about as well as the originals."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import needs_mnist
from PIL import Image

from goodfit.data.images import center_of_mass, mnist_style, to_model_input


@pytest.fixture(scope="module")
def mnist_test():
    from goodfit.data import load_dataset

    ds = load_dataset("mnist", download=False)
    idx = np.random.default_rng(0).choice(len(ds.x_test), 1000, replace=False)
    return ds.x_test[idx, 0], ds.y_test[idx]  # (1000, 28, 28) uint8, (1000,)


def _transform(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Re-pad, scale (×1.5..8) and shift a digit in a bigger canvas, as a drawing or a photo would be."""
    s = rng.uniform(1.5, 8.0)
    side = round(28 * s)
    big = Image.fromarray(img).resize((side, side), Image.Resampling.BICUBIC)
    canvas = Image.new("L", (side + int(rng.integers(0, 200)), side + int(rng.integers(0, 200))))
    left, top = rng.integers(0, canvas.width - side + 1), rng.integers(0, canvas.height - side + 1)
    canvas.paste(big, (int(left), int(top)))
    return np.asarray(canvas)



@needs_mnist
def test_transformed_mnist_digits_are_still_recognized(mnist_test, predictor):
    """Digits re-padded, scaled and shifted, then framed, are classified about as well as the originals."""
    x, y = mnist_test
    loaded = predictor.loaded
    baseline = (loaded.predict_proba(x[:, None]).argmax(1) == y).mean()
    rng = np.random.default_rng(1)
    framed = np.stack([mnist_style(_transform(d, rng)) for d in x])
    accuracy = (loaded.predict_proba(framed[:, None]).argmax(1) == y).mean()
    assert accuracy >= 0.95 and accuracy >= baseline - 0.02, (accuracy, baseline)
    coms = np.array([center_of_mass(d) for d in framed])
    assert np.abs(coms - 14.0).max() <= 0.5 + 1e-9
    naive = np.stack([np.asarray(Image.fromarray(_transform(d, rng)).resize((28, 28))) for d in x[:300]])
    naive_acc = (loaded.predict_proba(naive[:, None]).argmax(1) == y[:300]).mean()
    assert naive_acc < accuracy - 0.2  # why the framing matters: a plain resize fails


@needs_mnist
def test_goodfit_predict_uses_the_same_framing(mnist_test, mnist_run, tmp_path):
    from goodfit.predict import load_image, predict_files

    x, y = mnist_test
    rng = np.random.default_rng(2)
    paths, expected = [], []
    for i in range(20):
        drawing = 255 - _transform(x[i], rng)  # dark ink on white paper, as a scanned drawing
        path = tmp_path / f"d{i}.png"
        Image.fromarray(drawing).save(path)
        paths.append(path)
        expected.append(to_model_input(drawing, (1, 28, 28), dataset="mnist"))
        assert np.array_equal(load_image(path, (1, 28, 28), dataset="mnist"), expected[-1])
    results = predict_files(mnist_run, paths, top_k=3)
    hits = sum(int(r["top"][0]["class"]) == int(label) for r, label in zip(results, y[:20], strict=True))
    assert hits >= 18
