"""MNIST-style framing of pictures, checked against real MNIST digits and a trained model."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import needs_mnist
from PIL import Image

from goodfit.data.images import (
    EmptyImageError,
    center_of_mass,
    image_style,
    mnist_style,
    read_image,
    to_model_input,
)
from goodfit.errors import DataError


@pytest.fixture(scope="module")
def mnist_test():
    from goodfit.data import load_dataset

    ds = load_dataset("mnist", download=False)
    idx = np.random.default_rng(0).choice(len(ds.x_test), 1000, replace=False)
    return ds.x_test[idx, 0], ds.y_test[idx]  # (1000, 28, 28) uint8, (1000,)


def _ink_box(img: np.ndarray, level: int = 0) -> tuple[int, int]:
    rows, cols = np.nonzero(img > level)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def _transform(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Re-pad, scale (×1.5..8) and shift a digit in a bigger canvas, as a drawing or a photo would be."""
    s = rng.uniform(1.5, 8.0)
    side = round(28 * s)
    big = Image.fromarray(img).resize((side, side), Image.Resampling.BICUBIC)
    canvas = Image.new("L", (side + int(rng.integers(0, 200)), side + int(rng.integers(0, 200))))
    left, top = rng.integers(0, canvas.width - side + 1), rng.integers(0, canvas.height - side + 1)
    canvas.paste(big, (int(left), int(top)))
    return np.asarray(canvas)


# ------------------------------------------------------------------ the MNIST convention itself


@needs_mnist
def test_real_mnist_centre_of_mass_is_14_14(mnist_test):
    """The convention reproduced: MNIST's centres of mass average (14, 14) in pixel indices, ±0.5."""
    coms = np.array([center_of_mass(x) for x in mnist_test[0]])
    assert np.allclose(coms.mean(axis=0), 14.0, atol=0.05)
    assert np.percentile(np.abs(coms - 14.0), 99) < 0.6  # whole-pixel shifts: within about half a pixel


@needs_mnist
def test_mnist_digits_pass_through_almost_unchanged(mnist_test):
    x, _ = mnist_test
    out = np.stack([mnist_style(d) for d in x])
    assert np.abs(out.astype(int) - x.astype(int)).mean() < 2.0  # grey levels, out of 255
    assert (np.abs(out.astype(int) - x.astype(int)).reshape(len(x), -1).mean(1) < 5).mean() > 0.95


# ------------------------------------------------------------------ properties


def test_frames_ink_into_20_box_keeping_aspect_ratio():
    img = np.zeros((300, 200), np.uint8)
    img[50:250, 20:120] = 255  # 200 × 100 block, aspect 2:1, off centre
    out = mnist_style(img)
    assert out.shape == (28, 28) and out.dtype == np.uint8 and out.max() == 255
    assert _ink_box(out, 127) == (20, 10)
    r, c = center_of_mass(out)
    assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5


def test_antialiases_edges():
    img = np.zeros((280, 280), np.uint8)
    for i in range(40, 240):  # a thin diagonal line
        img[i, i - 10 : i + 10] = 255
    out = mnist_style(img)
    grey = ((out > 0) & (out < 255)).sum()
    assert grey > 20  # edges are grey, not a jagged binary image


def test_small_input_is_scaled_up_and_wide_input_centred():
    img = np.zeros((10, 10), np.uint8)
    img[3:7, 4:6] = 200
    assert _ink_box(mnist_style(img), 127)[0] == 20
    wide = np.zeros((50, 400), np.uint8)
    wide[20:30, 10:390] = 255
    out = mnist_style(wide)
    assert _ink_box(out)[1] == 20 and _ink_box(out)[0] <= 3
    r, c = center_of_mass(out)
    assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5


def test_far_off_centre_mass_is_clipped_not_crashing():
    img = np.zeros((100, 100), np.uint8)
    img[0:100, 0:2] = 255
    img[0:2, 0:100] = 255  # an "L" upside down: mass near a corner of its box
    out = mnist_style(img)
    assert out.shape == (28, 28) and out.max() == 255


@pytest.mark.parametrize("img", [np.zeros((28, 28)), np.full((50, 50), 255.0), np.full((9, 9), 7.0)])
def test_empty_or_uniform_image_is_an_error(img):
    with pytest.raises(EmptyImageError, match="empty"):
        mnist_style(img)


def test_blank_pictures_are_empty_for_every_style():
    for shape, dataset in [((1, 28, 28), "mnist"), ((1, 28, 28), "fashion-mnist"), ((1, 8, 8), "digits"),
                           ((3, 32, 32), "cifar10")]:
        with pytest.raises(EmptyImageError):
            to_model_input(np.full((40, 40), 255, np.uint8), shape, dataset=dataset)
    with pytest.raises(EmptyImageError):
        to_model_input(Image.new("RGB", (9, 9), (10, 200, 30)), (3, 32, 32))


def test_nan_and_wrong_shape_are_errors():
    with pytest.raises(DataError, match="NaN"):
        mnist_style(np.full((5, 5), np.nan))
    with pytest.raises(DataError, match="shape"):
        mnist_style(np.zeros((2, 5, 5)))
    with pytest.raises(DataError, match="NaN"):
        to_model_input(np.full((5, 5), np.inf), (1, 28, 28))


def test_light_background_is_inverted():
    paper = np.full((100, 100), 250, np.uint8)
    paper[20:80, 45:55] = 10  # a dark "1" on white paper
    x = to_model_input(paper, (1, 28, 28))
    assert x.shape == (1, 28, 28) and x[0, 14, 14] == 255 and x[0, 0, 0] == 0


def test_style_choice_and_plain_resize():
    assert image_style((1, 28, 28), "mnist-5k") == "mnist"
    assert image_style((1, 28, 28), "fashion-mnist") == "resize"
    assert image_style((3, 32, 32), "cifar10") == "resize"
    img = np.zeros((56, 56), np.uint8)
    img[0:28, 0:28] = 255
    resized = to_model_input(img, (1, 28, 28), dataset="fashion-mnist")
    assert resized[0, 5, 5] == 255 and resized[0, 20, 20] == 0  # not re-framed
    picture = np.zeros((64, 64, 3), np.uint8)
    picture[:, :32, 0] = 255  # left half red, right half black
    rgb = to_model_input(Image.fromarray(picture), (3, 32, 32))
    assert rgb.shape == (3, 32, 32) and rgb[0, :, :12].min() == 255 and rgb[0, :, 20:].max() == 0
    assert rgb[1].max() == 0
    with pytest.raises(DataError, match="style"):
        to_model_input(img, (1, 28, 28), style="fancy")


# ------------------------------------------------------------------ decoding files and bytes


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_read_image_flattens_transparency_against_the_ink():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[5:35, 18:22] = (0, 0, 0, 255)  # black ink on a fully transparent background
    x = to_model_input(read_image(_png(rgba)), (1, 28, 28))
    assert x[0, 14, 14] == 255 and x[0, 0, 0] == 0
    rgba[..., :3] = 255  # white ink on transparent
    x = to_model_input(read_image(_png(rgba)), (1, 28, 28))
    assert x[0, 14, 14] == 255 and x[0, 0, 0] == 0


def test_read_image_errors(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="not found"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataError, match="not a readable image"):
        read_image(tmp_path / "a.png")
    import goodfit.data.images as pre

    monkeypatch.setattr(pre, "MAX_PIXELS", 100)
    with pytest.raises(DataError, match="at most 100"):
        read_image(_png(np.zeros((20, 20), np.uint8)))


# ------------------------------------------------------------------ the reference: a trained MNIST model
