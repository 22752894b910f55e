"""``goodfit.draw(run)``: the draw-a-digit page as a Jupyter widget (anywidget), no server needed.

The drawing is sent to the notebook's kernel as PNG bytes and answered there by the same
:class:`~goodfit.serve.predictor.Predictor` as ``goodfit serve`` and ``goodfit predict`` (the same
MNIST-style framing), so a notebook shows exactly what the web page would. Buttons on the left put
a test image of each class on the canvas; a Start/Stop toggle pauses live predictions; the bars show
probabilities or raw scores (logits, or the integer read-outs of an ``analog-mlp``).

Examples:
    >>> from goodfit import Config, apply_overrides, fit
    >>> run = fit(apply_overrides(Config(), ["data.name=digits", "train.epochs=2", "out_dir=/tmp/goodfit-doc"]),
    ...           progress="quiet", report=False).run_dir
    >>> w = draw(run)
    >>> w.draw_array(np.pad(np.full((6, 2), 255, np.uint8), 1))  # a "1", as the canvas would send it
    >>> len(w.top), sorted(w.top[0])
    (5, ['class', 'index', 'probability', 'score'])
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from goodfit.errors import ConfigError, GoodfitError
from goodfit.serve.page_text import page_messages
from goodfit.serve.predictor import Predictor

__all__ = ["draw", "widget_class"]

STATIC = Path(__file__).parent / "static"


@cache
def widget_class() -> type:
    """The widget's class, ``DrawWidget`` (made on first use: anywidget is an optional extra)."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ConfigError("goodfit.draw needs anywidget: pip install 'goodfit[notebook]'") from None

    class DrawWidget(anywidget.AnyWidget):
        """A canvas, live top-k bars and sample buttons; :attr:`top` holds the latest answer."""

        _esm = STATIC / "widget.js"
        _css = STATIC / "widget.css"
        image = traitlets.Bytes(b"").tag(sync=True)  # the canvas as PNG, from the browser
        top = traitlets.List([]).tag(sync=True)  # [{class, index, probability, score}], most probable first
        input_png = traitlets.Unicode("").tag(sync=True)  # the image the model saw (data URL)
        error = traitlets.Unicode("").tag(sync=True)
        info = traitlets.Dict({}).tag(sync=True)
        messages = traitlets.Dict({}).tag(sync=True)
        top_k = traitlets.Int(5).tag(sync=True)

        def __init__(self, predictor: Predictor, **kwargs: Any) -> None:
            info = {k: v for k, v in predictor.info.items() if isinstance(v, (str, int, float, bool, list, type(None)))}
            super().__init__(info=info, messages=page_messages(), **kwargs)
            self.predictor = predictor
            self.observe(self._answer, names=["image", "top_k"])
            self.on_msg(self._message)

        def draw_array(self, pixels: np.ndarray) -> None:
            """Put ``pixels`` (``(H, W)`` grey levels 0..255, white ink on black, like the canvas) on
            the canvas, as if drawn; :attr:`top` then holds the answer."""
            from PIL import Image

            buf = io.BytesIO()
            Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buf, format="PNG")
            self.image = buf.getvalue()

        def _answer(self, change: Any = None) -> None:
            if not self.image:
                self.top, self.input_png, self.error = [], "", ""
                return
            from goodfit.data.images import read_image

            try:
                answer = self.predictor.predict_image(read_image(self.image, name="the drawing"), top_k=self.top_k)
            except GoodfitError as exc:  # an empty canvas: no answer, and why
                self.top, self.input_png, self.error = [], "", str(exc)
                return
            self.error, self.input_png, self.top = "", answer["input_png"], answer["top"]

        def _message(self, widget: Any, content: dict, buffers: list) -> None:
            if content.get("kind") == "sample":
                try:
                    answer = self.predictor.sample(int(content["label"]), top_k=self.top_k)
                except GoodfitError as exc:
                    self.error = str(exc)
                    return
                self.send({"kind": "sample", "image_png": answer["image_png"], "test_index": answer["test_index"],
                           "class": answer["class"]})
                self.error, self.input_png, self.top = "", answer["image_png"], answer["top"]

    return DrawWidget


def draw(model: Any, *, samples: bool = True, top_k: int = 5) -> Any:
    """A drawing widget answered by ``model``: a run folder, a :class:`~goodfit.experiment.FitResult`,
    a :class:`~goodfit.serve.predictor.Predictor` (e.g. ``Predictor.untrained(config)``) or a
    :class:`~goodfit.trained.LoadedModel`. Display it as a cell's last expression.

    Raises:
        ConfigError: ``model`` is none of these (a bare ``nn.Module`` has no preprocessing: save it
            as a run with ``goodfit.fit``), or anywidget is not installed.
    """
    cls = widget_class()
    if isinstance(model, Predictor):
        predictor = model
    elif isinstance(model, (str, Path)) or hasattr(model, "run_dir"):
        predictor = Predictor.from_run(getattr(model, "run_dir", model), samples=samples)
    elif hasattr(model, "scaler") and hasattr(model, "config"):
        predictor = Predictor.from_loaded(model, samples=samples)
    else:
        raise ConfigError(f"goodfit.draw takes a run folder, a FitResult, a Predictor or a LoadedModel, not "
                          f"{type(model).__name__}; train it with goodfit.fit (or goodfit train) first")
    return cls(predictor, top_k=top_k)
