"""Writing a model in a portable format, and reading it back as a function of NumPy arrays.

Three formats:

- ``onnx``: ``torch.onnx.export`` (the ``torch.export``-based exporter), opset :data:`ONNX_OPSET`,
  a dynamic batch dimension, run by onnxruntime; the metadata is also stored in the model's
  ``metadata_props`` under ``goodfit``.
- ``torchscript``: ``torch.jit.trace``, loaded with ``torch.jit.load``. PyTorch has deprecated
  TorchScript; it is here for the C++ / mobile runtimes that still need it.
- ``pt2``: ``torch.export`` (an ``ExportedProgram``, ``torch.export.save``), PyTorch's successor
  to TorchScript, loaded with ``torch.export.load``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.errors import ConfigError, GoodfitError, require

__all__ = ["FORMATS", "ONNX_OPSET", "SUFFIX", "write_model", "load_runner", "ExportError"]

FORMATS = ("onnx", "torchscript", "pt2")
SUFFIX = {"onnx": ".onnx", "torchscript": ".torchscript.pt", "pt2": ".pt2"}
ONNX_OPSET = 18
INPUT, OUTPUT = "input", "output"

Runner = Callable[[np.ndarray], np.ndarray]


class ExportError(GoodfitError):
    """The model cannot be written in this format (an operation the exporter does not support)."""


def write_model(model: nn.Module, example: torch.Tensor, path: Path, fmt: str, metadata: dict[str, Any]) -> None:
    """Write ``model`` (in eval mode, on the CPU) to ``path`` atomically: a temporary file in the same
    folder, renamed into place once complete."""
    if fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r} is not known; choose one of {', '.join(FORMATS)}")
    if fmt == "onnx":
        require("onnx", "onnxscript", "onnxruntime", extra="export", feature="goodfit export --format onnx")
    model = model.cpu().eval()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp" + "".join(path.suffixes), dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit's deprecation notice: said in the docs
            warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the parity check measures the result
            {"onnx": _onnx, "torchscript": _torchscript, "pt2": _pt2}[fmt](model, example, Path(tmp), metadata)
        os.replace(tmp, path)
    except GoodfitError:
        raise
    except Exception as exc:  # the exporter's own errors name an operation it cannot translate
        first = re.sub(r"\x1b\[[0-9;]*m", "", (str(exc).strip().splitlines() or [""])[0])[:300]  # no colours
        raise ExportError(f"{type(model).__name__} could not be exported to {fmt}: {type(exc).__name__}: "
                          f"{first}; try another --format") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def _onnx(model: nn.Module, example: torch.Tensor, path: Path, metadata: dict[str, Any]) -> None:
    import onnx

    batch = torch.export.Dim("batch", min=1)
    torch.onnx.export(model, (example,), str(path), dynamo=True, opset_version=ONNX_OPSET, verbose=False,
                      input_names=[INPUT], output_names=[OUTPUT], dynamic_shapes=({0: batch},),
                      external_data=False)
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    entry = proto.metadata_props.add()
    entry.key, entry.value = "goodfit", json.dumps(metadata)
    onnx.save(proto, str(path))


def _torchscript(model: nn.Module, example: torch.Tensor, path: Path, metadata: dict[str, Any]) -> None:
    traced = torch.jit.trace(model, example)
    torch.jit.save(traced, str(path), _extra_files={"goodfit.json": json.dumps(metadata)})


def _pt2(model: nn.Module, example: torch.Tensor, path: Path, metadata: dict[str, Any]) -> None:
    batch = torch.export.Dim("batch", min=1)
    program = torch.export.export(model, (example,), dynamic_shapes=({0: batch},))
    torch.export.save(program, str(path), extra_files={"goodfit.json": json.dumps(metadata)})


def load_runner(path: Path, fmt: str, *, threads: int | None = None) -> Runner:
    """A function from a float32 input batch to the model's outputs, run by the format's own runtime
    (onnxruntime for ``onnx``)."""
    if fmt == "onnx":
        require("onnxruntime", extra="export", feature="running an ONNX model")
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return lambda x: session.run([OUTPUT], {INPUT: np.ascontiguousarray(x, dtype=np.float32)})[0]
    if fmt == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            module = torch.jit.load(str(path), map_location="cpu").eval()
    elif fmt == "pt2":
        module = torch.export.load(str(path)).module()
    else:
        raise ConfigError(f"format {fmt!r} is not known; choose one of {', '.join(FORMATS)}")

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()

    return run
