"""A trained run ready to answer requests: load once, predict on pictures, pick test samples.

Everything here is plain Python (no HTTP), so the web app only parses, calls and answers, and
the same object can be used from a notebook.

Examples:
    >>> from goodfit import Config, apply_overrides, fit
    >>> cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=2", "out_dir=/tmp/goodfit-doc"])
    >>> p = Predictor.from_run(fit(cfg, progress="quiet", report=False).run_dir)
    >>> p.info["dataset"], p.info["input_shape"]
    ('digits', [1, 8, 8])
    >>> result = p.sample(3)
    >>> result["class"], len(result["top"]), result["image_png"].startswith("data:image/png;base64,")
    ('3', 5, True)
"""

from __future__ import annotations

import base64
import dataclasses
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from goodfit.data.images import image_style, to_model_input
from goodfit.errors import ConfigError, DataError, GoodfitError, RunDirError

__all__ = ["Predictor", "SamplesUnavailableError", "png_data_url", "BACKENDS"]

BACKENDS = ("torch", "onnx")


class SamplesUnavailableError(GoodfitError):
    """The run's test images cannot be loaded (data set moved, or not an image data set)."""


def png_data_url(x: np.ndarray) -> str:
    """A ``(C, H, W)`` or ``(H, W)`` image as a ``data:image/png;base64,...`` URL (floats min-max scaled).

    Examples:
        >>> png_data_url(np.zeros((1, 2, 2), np.uint8))[:22]
        'data:image/png;base64,'
    """
    from PIL import Image

    arr = np.asarray(x)
    if arr.ndim == 3:
        arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    if arr.dtype != np.uint8:
        lo, hi = float(arr.min()), float(arr.max())
        arr = np.rint((arr - lo) * (255.0 / (hi - lo if hi > lo else 1.0))).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@dataclass
class _Samples:
    x: np.ndarray  # (N, C, H, W) raw test images
    by_class: list[np.ndarray]  # test indices of each class
    value_range: tuple[float, float] = (0.0, 255.0)  # pictures (0..255) are mapped onto this


class Predictor:
    """A model ready to answer (a run's best, a newer checkpoint, or an untrained one), loaded once,
    with its data set's test images for "insert a sample".

    Thread-safe: predictions run under ``torch.inference_mode`` on a model that stays in eval
    mode, so the web app can call them from worker threads at the same time.
    """

    def __init__(self, loaded: Any, *, info: dict[str, Any], samples: _Samples | None = None,
                 samples_error: str | None = None, device: str = "cpu",
                 forward: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.loaded = loaded
        self.device = torch.device(device)
        self._samples = samples
        self._samples_error = samples_error or "this run has no test images to show"
        self._forward = forward or self._torch_forward
        # the analog chip answers integer read-outs (logit = logit_scale × read-out); its ONNX export, logits
        self._readout = forward is None and hasattr(getattr(loaded, "model", None), "integer_logits")
        self._score_scale = float(loaded.model.config.logit_scale) if self._readout else 1.0
        self.info = {**info, "score_kind": "read-out" if self._readout else "logit"}

    @classmethod
    def from_run(cls, run: str | Path, *, device: str = "cpu", samples: bool = True,
                 backend: str = "torch") -> Predictor:
        """Load ``run``'s best model (and, with ``samples``, its data set's test images).

        ``backend="onnx"`` answers with onnxruntime from ``RUN/export/model.onnx`` (exported first,
        with its parity check, if it is not there yet) instead of the PyTorch model.
        """
        from goodfit.run import RunDir
        from goodfit.trained import load_model

        if backend not in BACKENDS:
            raise ConfigError(f"backend {backend!r} is not known; choose one of {', '.join(BACKENDS)}")
        rd = RunDir.open(run)
        loaded = load_model(rd.path, device=device)
        _check_servable(loaded, f"run {rd.path}")
        forward = _onnx_forward(rd.path) if backend == "onnx" else None
        info = {**_model_info(loaded), "run": rd.path.name, "test_accuracy": _test_accuracy(rd), "backend": backend}
        return cls._with_samples(loaded, info, samples=samples, device=device, forward=forward)

    @classmethod
    def from_loaded(cls, loaded: Any, *, device: str = "cpu", samples: bool = True) -> Predictor:
        """A predictor of a model loaded already (:func:`goodfit.load_model`,
        :func:`~goodfit.trained.untrained_model`)."""
        _check_servable(loaded, f"model {loaded.config.model.name} on {loaded.config.data.name}")
        return cls._with_samples(loaded, {**_model_info(loaded), "run": None}, samples=samples, device=device)

    @classmethod
    def untrained(cls, config: Any, *, device: str = "cpu", samples: bool = True) -> Predictor:
        """A freshly initialised model of ``config`` (the weights training would start from), to show
        how an untrained network guesses: near chance."""
        from goodfit.trained import untrained_model

        return cls.from_loaded(untrained_model(config, device=device), device=device, samples=samples)

    @classmethod
    def _with_samples(cls, loaded: Any, info: dict[str, Any], *, samples: bool, device: str,
                      forward: Callable[[np.ndarray], np.ndarray] | None = None) -> Predictor:
        loaded_samples, error = (_load_samples(loaded) if samples else (None, "samples were turned off"))
        info = {"backend": "torch", **info, "samples": loaded_samples is not None}
        return cls(loaded, info=info, samples=loaded_samples, samples_error=error, device=device, forward=forward)

    def with_model(self, loaded: Any, **info: Any) -> Predictor:
        """A predictor of another model of the same data (e.g. a newer checkpoint of this run) that
        shares this one's test images; ``info`` updates :attr:`info`."""
        if tuple(loaded.input_shape) != self.input_shape or tuple(loaded.classes) != self.classes:
            raise RunDirError(f"the new model takes {loaded.input_shape} with {len(loaded.classes)} classes, "
                              f"not {self.input_shape} with {len(self.classes)}")
        return Predictor(loaded, info={**self.info, **_model_info(loaded), **info}, samples=self._samples,
                         samples_error=self._samples_error, device=str(self.device))

    @property
    def classes(self) -> tuple[str, ...]:
        return self.loaded.classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.loaded.input_shape

    def predict_image(self, image: Any, *, top_k: int = 5) -> dict[str, Any]:
        """Top-k for a PIL image or a ``(H, W)`` / ``(H, W, 3)`` array, after the run's preprocessing.

        The answer holds ``top`` (class, index, probability) and ``input_png``, the image the
        model saw.
        """
        x = to_model_input(image, self.input_shape, dataset=self.info["dataset"])
        answer = {"input_png": png_data_url(x)}
        if self._samples is not None and self._samples.x.dtype != np.uint8:  # e.g. digits: 0..16
            lo, hi = self._samples.value_range
            x = (x.astype(np.float32) * ((hi - lo) / 255.0) + lo).astype(self._samples.x.dtype)
        return {**self.predict_raw(x, top_k=top_k), **answer}

    def predict_raw(self, x: np.ndarray, *, top_k: int = 5) -> dict[str, Any]:
        """Top-k for one raw ``(C, H, W)`` input, shaped and valued like the data set's.

        Each entry holds the class's ``probability`` and its raw ``score``: the logit, or on an
        analog chip (``analog-mlp``) the integer read-out the logit is scaled from.
        """
        scores = self._forward(self.loaded.scaler.transform(x[None]))[0].astype(np.float64)
        logits = scores * self._score_scale
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(probs)[::-1][: max(1, min(top_k, len(probs)))]
        return {"top": [{"class": self.classes[i], "index": int(i), "probability": float(probs[i]),
                         "score": float(scores[i])} for i in order]}

    def _torch_forward(self, scaled: np.ndarray) -> np.ndarray:
        model = self.loaded.model
        with torch.inference_mode():
            x = torch.from_numpy(scaled).to(self.device)
            out = model.integer_logits(x) if self._readout else model(x)
            return out.float().cpu().numpy()

    def sample(self, label: int, *, top_k: int = 5) -> dict[str, Any]:
        """A random test image of class index ``label`` and the model's prediction on it.

        Raises:
            SamplesUnavailableError: the test images could not be loaded.
            DataError: ``label`` is not a class index, or the class has no test image.
        """
        if self._samples is None:
            raise SamplesUnavailableError(self._samples_error)
        if not 0 <= label < len(self.classes):
            raise DataError(f"class index {label} does not exist; use 0..{len(self.classes) - 1}")
        pool = self._samples.by_class[label]
        if len(pool) == 0:
            raise DataError(f"the test split has no image of class {self.classes[label]!r}")
        index = int(random.choice(pool))
        x = self._samples.x[index]
        return {"label": label, "class": self.classes[label], "test_index": index,
                "image_png": png_data_url(x), **self.predict_raw(x, top_k=top_k)}


def _onnx_forward(run: Path) -> Callable[[np.ndarray], np.ndarray]:
    """onnxruntime on the run's exported model (exported now, and checked, if it is missing)."""
    from goodfit.export import export_run, load_exported

    path = run / "export" / "model.onnx"
    if not path.is_file() or not path.with_name("model.onnx.json").is_file():
        result = export_run(run, fmt="onnx")
        print(f"exported {result.path} (same predictions as PyTorch on "
              f"{result.parity['same_predictions']:.0%} of {result.parity['samples']} test inputs)", flush=True)
    forward, _meta = load_exported(path, threads=1)  # one image gains nothing from a team of threads
    return forward


def _check_servable(loaded: Any, what: str) -> None:
    if len(loaded.input_shape) != 3:
        raise RunDirError(f"{what} takes tabular data; serve needs an image classifier")
    if loaded.task.name != "classification":
        raise RunDirError(f"{what} is a {loaded.task.name} model; serve needs an image classifier "
                          "(data.task=classification)")


def _test_accuracy(rd: Any) -> float | None:
    try:
        return rd.read_json("metrics.json").get("test", {}).get("accuracy")
    except (GoodfitError, ValueError):
        return None


def _model_info(loaded: Any) -> dict[str, Any]:
    """What the page shows about a model: its name and data, and how far it is trained."""
    cfg, row = loaded.config, loaded.last_epoch or {}
    return {
        "model": cfg.model.name,
        "dataset": cfg.data.name,
        "classes": list(loaded.classes),
        "input_shape": list(loaded.input_shape),
        "style": image_style(loaded.input_shape, cfg.data.name),
        "trained": loaded.epoch > 0,
        "epoch": loaded.epoch,
        "epochs": cfg.train.epochs,
        "valid_accuracy": row.get("valid_acc"),
        "test_accuracy": None,  # a finished run's, from its metrics.json
    }


def _load_samples(loaded: Any) -> tuple[_Samples | None, str | None]:
    """The run's test images, or why they cannot be shown (the app still predicts drawings)."""
    from goodfit.data import dataset_from_config

    cfg = loaded.config.data
    try:
        ds = dataset_from_config(dataclasses.replace(cfg, download=False))
    except GoodfitError as exc:
        return None, f"test images of {cfg.name} could not be loaded: {exc}"
    if ds.kind != "image" or tuple(ds.input_shape) != tuple(loaded.input_shape):
        return None, f"the test images of {cfg.name} do not match the model's input {loaded.input_shape}"
    by_class = [np.flatnonzero(ds.y_test == k) for k in range(len(loaded.classes))]
    value_range = (float(ds.x_test.min()), float(ds.x_test.max()))
    return _Samples(ds.x_test, by_class, value_range), None
