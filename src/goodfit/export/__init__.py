"""``goodfit export``: a trained run's model in a portable format, checked against PyTorch.

    goodfit export runs/mnist-mlp-20261202-101500 --format onnx

writes ``RUN/export/model.onnx`` and ``RUN/export/model.onnx.json`` (the metadata: input and output
shapes and meaning, the preprocessing, the classes, the task, versions and the parity check), then
runs the run's test inputs through both the exported model and the PyTorch model and reports the
largest absolute difference of the outputs and how many predictions agree. Only the inputs are used:
no score is computed, so the test set's count of looks does not change.

Examples:
    >>> from goodfit import Config, apply_overrides, fit
    >>> cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=1", "out_dir=/tmp/goodfit-doc"])
    >>> result = export_run(fit(cfg, progress="quiet", report=False).run_dir, fmt="onnx")
    >>> result.path.name, result.parity["same_predictions"], result.parity["max_abs_diff"] < 1e-4
    ('model.onnx', 1.0, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from goodfit.errors import ConfigError, RunDirError
from goodfit.export.formats import FORMATS, ONNX_OPSET, SUFFIX, ExportError, load_runner, write_model
from goodfit.run import RunDir, atomic_write_json

__all__ = ["export_run", "ExportResult", "ExportError", "FORMATS", "ONNX_OPSET", "load_exported", "parity_check"]

PARITY_SAMPLES = 10_000
TOLERANCE = 1e-4  # max abs difference of outputs that counts as the same model (float32 reordering)


@dataclass
class ExportResult:
    path: Path
    metadata_path: Path
    metadata: dict[str, Any]

    @property
    def parity(self) -> dict[str, Any]:
        return self.metadata["parity"]


def export_run(run: str | Path, *, fmt: str = "onnx", out_dir: str | Path | None = None,
               which: str = "best") -> ExportResult:
    """Export ``run``'s ``best`` (or ``last``) model to ``out_dir`` (default ``RUN/export``) and check it."""
    from goodfit.trained import load_model

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not known; choose one of {', '.join(FORMATS)}")
    rd = RunDir.open(run)
    loaded = load_model(rd.path, which=which)
    if loaded.config.model.name == "analog-mlp":
        raise ConfigError(f"{rd.path.name} is an analog-mlp run: its chip arithmetic (quantization, noise) has no "
                          "portable form; use 'goodfit analog export RUN' for the chip's integer weights")
    folder = Path(out_dir) if out_dir is not None else rd.path / "export"
    if folder.exists() and not folder.is_dir():
        raise RunDirError(f"{folder} is a file; give --out a folder")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"model{SUFFIX[fmt]}"
    meta = describe(rd, loaded, fmt, which)
    write_model(loaded.model, torch.zeros((2, *loaded.input_shape)), path, fmt, meta)
    x = test_inputs(loaded)
    meta["parity"] = parity_check(loaded.model, load_runner(path, fmt), x, task=loaded.task.name)
    meta_path = folder / f"model{SUFFIX[fmt]}.json"
    atomic_write_json(meta_path, meta)
    return ExportResult(path, meta_path, meta)


def describe(rd: RunDir, loaded: Any, fmt: str, which: str) -> dict[str, Any]:
    """What a user of the exported file needs: shapes, preprocessing, what the outputs mean."""
    import goodfit

    scaler = loaded.scaler.state_dict()
    task = loaded.task.state_dict()
    return {
        "format": fmt, **({"opset": ONNX_OPSET} if fmt == "onnx" else {}),
        "run": rd.path.name, "checkpoint": which, "model": loaded.config.model.name,
        "dataset": loaded.config.data.name, "task": task, "classes": list(loaded.classes),
        "input": {"name": "input", "shape": ["batch", *loaded.input_shape], "dtype": "float32"},
        "output": {"name": "output", "meaning": OUTPUT_MEANING.get(task["name"], "the model's raw outputs")},
        "preprocessing": {
            "formula": "input = (raw - shift) / scale, element-wise with broadcasting",
            "raw": "the data set's own values, shaped like one sample (for images: C, H, W; 0..255 pixels)",
            "kind": scaler["kind"],
            "shift": np.asarray(scaler["shift"]).tolist(), "scale": np.asarray(scaler["scale"]).tolist(),
        },
        "versions": {"goodfit": goodfit.__version__, "torch": torch.__version__},
    }


OUTPUT_MEANING = {
    "classification": "logits, one per class in 'classes' order; softmax gives the probabilities",
    "binary": "one logit for the positive class (classes[1]); sigmoid gives its probability, compared with "
              "task.threshold",
    "regression": "standardized values: value = output * task.std + task.mean (per target)",
    "reconstruction": "the reconstructed input, in the scaled units of the input",
    "denoising": "the denoised input, in the scaled units of the input",
}


def test_inputs(loaded: Any) -> np.ndarray:
    """Up to :data:`PARITY_SAMPLES` scaled test inputs of the run's data (inputs only)."""
    from goodfit.data import prepare_data

    data = prepare_data(loaded.config.data)
    return np.ascontiguousarray(data.test.x[:PARITY_SAMPLES], dtype=np.float32)


def parity_check(model: torch.nn.Module, runner: Any, x: np.ndarray, *, task: str,
                 batch: int = 1024) -> dict[str, Any]:
    """The exported model against the PyTorch one on ``x``: the largest absolute difference of the
    outputs and the share of equal predictions (the argmax for classes, the sign of the logit for a
    binary model; for other tasks the outputs themselves, within :data:`TOLERANCE`)."""
    model = model.cpu().eval()
    diffs, same = [], 0
    for i in range(0, len(x), batch):
        xb = x[i : i + batch]
        with torch.inference_mode():
            ref = model(torch.from_numpy(xb)).float().numpy()
        out = np.asarray(runner(xb), dtype=np.float32).reshape(ref.shape)
        diffs.append(float(np.abs(out - ref).max()) if ref.size else 0.0)
        if task == "classification":
            same += int((out.argmax(1) == ref.argmax(1)).sum())
        elif task == "binary":
            same += int(((out.reshape(len(xb), -1)[:, 0] > 0) == (ref.reshape(len(xb), -1)[:, 0] > 0)).sum())
        else:
            same += int((np.abs(out - ref).reshape(len(xb), -1).max(1) <= TOLERANCE).sum())
    n = len(x)
    return {"split": "test", "samples": n, "max_abs_diff": max(diffs, default=0.0),
            "same_predictions": same / n if n else 1.0, "tolerance": TOLERANCE}


def load_exported(path: str | Path, *, threads: int | None = None) -> tuple[Any, dict[str, Any]]:
    """An exported model as ``(run, metadata)``: ``run(x)`` maps a scaled float32 batch to outputs."""
    path = Path(path)
    meta_path = path.with_name(path.name + ".json")
    if not path.is_file() or not meta_path.is_file():
        raise RunDirError(f"{path} (with {meta_path.name}) not found; run 'goodfit export RUN' first")
    meta = json.loads(meta_path.read_text())
    return load_runner(path, meta["format"], threads=threads), meta
