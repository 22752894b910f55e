"""Turn any picture of a digit into the 28×28 image an MNIST model expects.

MNIST's digits were made like this (LeCun et al.): the ink's bounding box is scaled to fit a
20×20 box keeping its aspect ratio (with antialiasing, hence grey edges), then the digit is placed
in a 28×28 field so that its centre of mass lies at the field's centre. On the real data that centre
of mass averages (14.0, 14.0) in pixel-index coordinates (row, column), not 13.5: that is the
convention reproduced here. A model trained on MNIST sees digits only in that form, so a drawing
or a photo must be brought into it, or a perfectly clear "7" in a corner is misread.

One code path serves ``goodfit predict`` (image files) and ``goodfit serve`` (the canvas):
:func:`read_image` decodes bytes or a file, :func:`to_model_input` makes the model's raw input.

Examples:
    >>> import numpy as np
    >>> drawing = np.zeros((280, 280), np.uint8)
    >>> drawing[40:240, 60:90] = 255                 # a thick "1", far off centre
    >>> digit = mnist_style(drawing)
    >>> digit.shape, digit.dtype
    ((28, 28), dtype('uint8'))
    >>> [abs(c - 14.0) <= 0.5 for c in center_of_mass(digit)]   # centre of mass at (14, 14)
    [True, True]
    >>> int((digit > 0).any(axis=1).sum())           # the tall side now spans 20 rows
    20
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from goodfit.errors import DataError

__all__ = [
    "MNIST_SIZE",
    "MNIST_BOX",
    "MAX_PIXELS",
    "EmptyImageError",
    "center_of_mass",
    "mnist_style",
    "image_style",
    "read_image",
    "to_model_input",
]

MNIST_SIZE = 28  # the field
MNIST_BOX = 20  # the box the ink's bounding box is scaled into
MNIST_CENTER = 14.0  # centre of mass of real MNIST digits, pixel-index coordinates (measured: 13.99, 14.01)
MAX_PIXELS = 16_000_000  # larger images are refused before decoding (a small PNG can inflate hugely)
_INK_FRACTION = 0.2  # a pixel is ink when brighter than this fraction of the brightest one
_MIN_CONTRAST = 16.0  # grey levels between background and brightest ink; less is an empty image
_FILLS_FRAME = ("fashion-mnist",)  # 1×28×28 data sets whose images fill the frame: no digit framing


class EmptyImageError(DataError):
    """The image has no ink: it is blank (or nearly uniform)."""


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted (row, column) of a 2-D image, in pixel-index coordinates.

    Examples:
        >>> img = np.zeros((5, 5)); img[1, 3] = 1.0
        >>> center_of_mass(img)
        (1.0, 3.0)
    """
    img = np.asarray(img, dtype=np.float64)
    total = img.sum()
    if total <= 0:
        raise EmptyImageError("the image is empty: no ink found; draw or upload a digit")
    rows, cols = np.arange(img.shape[0]), np.arange(img.shape[1])
    return float(img.sum(axis=1) @ rows / total), float(img.sum(axis=0) @ cols / total)


def mnist_style(gray: np.ndarray, *, size: int = MNIST_SIZE, box: int = MNIST_BOX) -> np.ndarray:
    """Frame a light-on-dark grayscale image of one digit the way MNIST's digits are framed.

    Crops to the ink's bounding box, scales it to fit ``box``×``box`` keeping the aspect ratio
    (Lanczos resampling, so edges are antialiased grey), stretches the contrast to 0–255 and
    places it in a ``size``×``size`` field with its centre of mass at ``(size / 2, size / 2)``
    (within half a pixel: the shift is whole pixels, like MNIST's, so nothing is blurred twice).

    Args:
        gray: ``(H, W)`` array, light ink on a dark background, any numeric range (0–255 usually).
        size: side of the output field.
        box: side of the box the ink is scaled into.

    Returns:
        ``(size, size)`` uint8 array.

    Raises:
        EmptyImageError: the image has no ink (uniform, or contrast under 16 grey levels).

    Examples:
        >>> img = np.zeros((100, 50)); img[10:30, 5:15] = 200.0   # a 20×10 blob in a corner
        >>> out = mnist_style(img)
        >>> rows, cols = np.nonzero(out > 127)
        >>> int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)   # scaled to 20 tall
        (20, 10)
    """
    from PIL import Image

    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2:
        raise DataError(f"mnist_style takes one (H, W) grayscale image, got shape {g.shape}")
    if not np.isfinite(g).all():
        raise DataError("the image holds NaN or infinite values; send finite grey levels (0-255)")
    g = g - g.min()  # background to 0
    peak = float(g.max())
    if peak < _MIN_CONTRAST:
        raise EmptyImageError("the image is empty: no ink found; draw or upload a digit")
    ink = g > _INK_FRACTION * peak
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = g[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w) bounding box of the ink
    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    # reducing_gap: a box-filter reduction to about twice the size first, then Lanczos (faster,
    # grey levels within a few units of a full Lanczos)
    small = np.asarray(Image.fromarray(np.ascontiguousarray(crop)).resize(
        (new_w, new_h), Image.Resampling.LANCZOS, reducing_gap=2.0))
    small = np.clip(small, 0.0, None)  # Lanczos rings slightly below zero next to strokes
    small = small * (255.0 / max(float(small.max()), 1e-6))  # stroke cores saturate, as in MNIST
    return _place_by_center_of_mass(np.rint(small).astype(np.uint8), size)


def _place_by_center_of_mass(patch: np.ndarray, size: int) -> np.ndarray:
    """Paste a uint8 ``patch`` into a ``size``² field, shifted by whole pixels to centre its mass.

    The mass is measured on the quantized patch that is pasted, so the result's centre of mass
    lies within half a pixel of the centre (unless a stroke had to be clipped at the edge).
    """
    com_r, com_c = center_of_mass(patch)
    top, left = round(size / 2 - com_r), round(size / 2 - com_c)
    out = np.zeros((size, size), np.uint8)
    # clip the paste to the field: an off-centre mass can push a stroke's tip past the edge
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + patch.shape[0], size), min(left + patch.shape[1], size)
    out[r0:r1, c0:c1] = patch[r0 - top : r1 - top, c0 - left : c1 - left]
    return out


def _check_not_empty(arr: np.ndarray) -> None:
    """A picture whose every channel is (nearly) uniform has nothing to classify."""
    pixels = arr.reshape(arr.shape[0] * arr.shape[1], -1)  # (H*W, channels)
    if int(np.ptp(pixels, axis=0).max()) < _MIN_CONTRAST:
        raise EmptyImageError("the image is empty: no ink found; draw or upload a digit")


def image_style(input_shape: Sequence[int], dataset: str | None = None) -> str:
    """How to bring a picture to a model's input: ``"mnist"`` framing or a plain ``"resize"``.

    Grayscale 28×28 models get MNIST framing, except data sets whose images fill the frame
    (Fashion-MNIST's clothes are not bounding-box normalized, so framing would distort them).

    Examples:
        >>> image_style((1, 28, 28), "mnist"), image_style((1, 28, 28), "fashion-mnist")
        ('mnist', 'resize')
        >>> image_style((3, 32, 32), "cifar10")
        'resize'
    """
    if tuple(input_shape) == (1, MNIST_SIZE, MNIST_SIZE) and (dataset or "") not in _FILLS_FRAME:
        return "mnist"
    return "resize"


def read_image(source: str | Path | bytes, *, name: str | None = None):
    """Decode an image file or encoded bytes (PNG, JPEG, ...) into a loaded PIL image.

    Transparent images are flattened onto a background that contrasts with their ink, so a
    black digit on a transparent PNG stays visible.

    Raises:
        DataError: the file is missing, not an image, or has more than 16 million pixels.

    Examples:
        >>> read_image(b"not an image", name="upload")
        Traceback (most recent call last):
        ...
        goodfit.errors.DataError: upload is not a readable image (PNG, JPEG, ...): cannot identify image file
    """
    from PIL import Image, UnidentifiedImageError

    label = name or (str(source) if not isinstance(source, bytes) else "the upload")
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with Image.open(fp) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(f"{label} has {im.width}x{im.height} pixels; send at most {MAX_PIXELS:,}")
            im.load()
            return _flatten_alpha(_to_8bit(im))
    except FileNotFoundError:
        raise DataError(f"image {label} not found") from None
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        reason = str(exc).split(" <")[0].split(" '")[0]  # drop PIL's object repr / file name
        raise DataError(f"{label} is not a readable image (PNG, JPEG, ...): {reason}") from None


def _to_8bit(im):
    """16-bit and 32-bit grey images as 8-bit ``L``, scaled (not clipped at 255, which whitens them).

    Examples:
        >>> from PIL import Image
        >>> deep = Image.fromarray(np.array([[0, 32768, 65535]], np.uint16))
        >>> np.asarray(_to_8bit(deep)).tolist()
        [[0, 128, 255]]
    """
    from PIL import Image

    if im.mode not in ("I", "F") and not im.mode.startswith("I;16"):
        return im
    arr = np.asarray(im, dtype=np.float64)
    top = arr.max() if arr.size else 0.0
    full = 65535.0 if im.mode.startswith("I;16") or 255 < top <= 65535 else max(top, 255.0)
    return Image.fromarray(np.clip(np.rint(arr * (255.0 / full)), 0, 255).astype(np.uint8), "L")


def _flatten_alpha(im):
    from PIL import Image

    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode not in ("RGBA", "LA", "PA"):
        return im
    rgba = im.convert("RGBA")
    alpha = np.asarray(rgba)[..., 3].astype(np.float64)
    if alpha.min() == 255:
        return rgba.convert("RGB")
    luma = np.asarray(rgba.convert("L"), dtype=np.float64)
    ink_luma = (luma * alpha).sum() / max(alpha.sum(), 1.0)  # average grey of the opaque parts
    background = (255, 255, 255) if ink_luma < 128 else (0, 0, 0)
    flat = Image.new("RGB", rgba.size, background)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def to_model_input(image, input_shape: Sequence[int], *, style: str = "auto",
                   dataset: str | None = None) -> np.ndarray:
    """The raw ``(C, H, W)`` uint8 array a model's data set would hold, from a PIL image or an array.

    Grayscale models get light ink on a dark background (MNIST's way): a picture with a light
    background (dark ink on white paper) is inverted. With ``style="mnist"`` (the default for
    1×28×28 models, see :func:`image_style`) the digit is framed by :func:`mnist_style`;
    otherwise the picture is resized to the model's size.

    Args:
        image: a PIL image, or a numpy array ``(H, W)`` (grey) or ``(H, W, 3)`` (RGB), 0–255.
        input_shape: the model's ``(C, H, W)``.
        style: ``"auto"``, ``"mnist"`` or ``"resize"``.
        dataset: the data set the model was trained on (for ``style="auto"``).

    Examples:
        >>> paper = np.full((64, 48), 255, np.uint8); paper[8:56, 20:28] = 0   # dark "1" on white
        >>> x = to_model_input(paper, (1, 28, 28))
        >>> x.shape, int(x[0, 14, 14]), int(x[0, 0, 0])
        ((1, 28, 28), 255, 0)
    """
    from PIL import Image

    c, h, w = input_shape
    if style == "auto":
        style = image_style(input_shape, dataset)
    if style not in ("mnist", "resize"):
        raise DataError(f"unknown image style {style!r}; choose auto, mnist or resize")
    if isinstance(image, np.ndarray):
        if not np.isfinite(image).all():
            raise DataError("the image holds NaN or infinite values; send finite grey levels (0-255)")
        image = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))
    if c != 1:
        rgb = image.convert("RGB")
        _check_not_empty(np.asarray(rgb))
        small = np.asarray(rgb.resize((w, h), Image.Resampling.LANCZOS), dtype=np.uint8)
        return small.transpose(2, 0, 1).copy()
    gray = np.asarray(image.convert("L"), dtype=np.uint8)
    _check_not_empty(gray)
    if gray.mean() > 127:  # dark ink on a light background
        gray = 255 - gray
    if style == "mnist":
        if h != w:
            raise DataError(f"MNIST framing needs a square input, not {h}x{w}; use style='resize'")
        return mnist_style(gray, size=h, box=round(h * MNIST_BOX / MNIST_SIZE))[None]
    small = Image.fromarray(gray).resize((w, h), Image.Resampling.LANCZOS)
    return np.asarray(small, dtype=np.uint8)[None].copy()
