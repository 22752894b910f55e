"""Export a trained ``analog-mlp`` run for a chip: integer weights, activation ranges, and a proof.

``export_run(run)`` writes ``RUN/analog-export/`` (never over an existing one):

- ``weights.npz``: ``layer0`` ... ``layerN`` integer weights ``(out, in)`` as int16;
- ``export.json``: the chip settings (gain as an exact fraction), per-layer shapes and the ranges
  the activations took on the run's validation split (input codes, chunk read-outs with their
  saturation rate, digital sums, next-layer codes), and the result of the check below.

The check runs :func:`integer_forward` — a numpy re-implementation that uses only integer
arithmetic after the host has encoded the inputs — on the same inputs as the torch model without
noise and mismatch, and requires identical integer outputs and identical predictions.

Examples:
    >>> weights = [np.array([[1, -1]]), np.array([[2], [-3]])]  # 2 -> 1 -> 2
    >>> spec = {"chunk_rows": 1, "gain": [1, 2], "output_range": [-128, 127], "relu_shift": 0,
    ...         "relu_in_max": 127, "input_max": 31}
    >>> integer_forward(np.array([[5, 2]]), weights, spec)[0].tolist()  # 5/2 -> 3, -2/2 -> -1: sum 2
    [[2, -3]]
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from goodfit.config import AnalogConfig, config_to_dict
from goodfit.errors import RunDirError
from goodfit.models.analog.quant import gain_fraction, input_max, output_range

__all__ = ["ExportResult", "encode_codes", "export_run", "integer_forward", "chip_spec"]

EXPORT_DIR = "analog-export"


@dataclass
class ExportResult:
    """Where the export went and whether the integer re-implementation matched the model."""

    path: Path
    n_checked: int
    logits_equal: bool
    predictions_equal: int  # how many of n_checked predictions agree

    @property
    def exact(self) -> bool:
        return self.logits_equal and self.predictions_equal == self.n_checked


def chip_spec(cfg: AnalogConfig) -> dict[str, Any]:
    """The integers an implementation needs: chunk size, gain fraction, ranges, ReLU shift.

    Examples:
        >>> chip_spec(AnalogConfig())["gain"], chip_spec(AnalogConfig())["output_range"]
        ([1, 500], [-128, 127])
    """
    lo, hi = output_range(cfg.output_bits)
    return {
        "chunk_rows": cfg.chunk_rows,
        "gain": list(gain_fraction(cfg.gain)),
        "output_range": [lo, hi],
        "relu_shift": cfg.relu_shift,
        "relu_in_max": hi,
        "input_max": input_max(cfg.input_bits),
        "logit_scale": cfg.logit_scale,  # host side, after the chip: changes no prediction
    }


def encode_codes(x: np.ndarray, bits: int) -> np.ndarray:
    """The host's input encoding, as the model does it in float32: ``clip(floor(x*top + 0.5))``.

    Examples:
        >>> encode_codes(np.array([[0.0, 0.5, 1.2]], dtype=np.float32), 5).tolist()
        [[0, 16, 31]]
    """
    top = input_max(bits)
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    return np.clip(np.floor(x * np.float32(top) + np.float32(0.5)), 0, top).astype(np.int64)


def integer_forward(codes: np.ndarray, weights: Sequence[np.ndarray],
                    spec: dict[str, Any]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The chip's forward pass in int64 numpy arithmetic (no noise): logits and per-layer ranges.

    Args:
        codes: ``(N, D)`` integer input codes.
        weights: integer weight matrices ``(out, in)``, input layer first.
        spec: :func:`chip_spec` of the model's config.

    Returns:
        ``(N, n_classes)`` integer logits, and for each layer the min/max of its input codes,
        chunk read-outs and summed outputs, and the fraction of read-outs that saturated.
    """
    rows, (num, den), (lo, hi) = spec["chunk_rows"], spec["gain"], spec["output_range"]
    a = np.asarray(codes, dtype=np.int64)
    ranges = []
    for i, w in enumerate(weights):
        w = np.asarray(w, dtype=np.int64)
        reads = []
        for start in range(0, a.shape[1], rows):  # one analog pass per chunk of rows
            s = a[:, start:start + rows] @ w[:, start:start + rows].T  # exact partial sums
            reads.append(np.clip((s * num + den // 2) // den, lo, hi))  # round half up, saturate
        reads = np.stack(reads)  # (C, N, out)
        y = reads.sum(0)  # digital sum, no saturation
        ranges.append({
            "layer": i, "input_codes": [int(a.min()), int(a.max())],
            "chunk_readout": [int(reads.min()), int(reads.max())],
            "saturated_fraction": float(np.mean((reads == lo) | (reads == hi))),
            "output": [int(y.min()), int(y.max())],
        })
        if i < len(weights) - 1:  # ConvertingReLU: clamp 0..127, >> shift, clamp to input codes
            y = np.clip(y, 0, spec["relu_in_max"])
            shift = spec["relu_shift"]
            y = y >> shift if shift >= 0 else y << -shift
            a = np.clip(y, 0, spec["input_max"])
    return y, ranges


def export_run(run: str | Path, *, out: str | Path | None = None,
               data_root: str | None = None) -> ExportResult:
    """Export a finished ``analog-mlp`` run (see the module docstring); returns what was checked.

    Examples:
        >>> export_run("runs/analog-20250101-120000").exact  # doctest: +SKIP
        True
    """
    from goodfit.data import prepare_data
    from goodfit.models.analog.mlp import AnalogMLP
    from goodfit.train.evaluate import predict_logits
    from goodfit.trained import load_model

    loaded = load_model(run)
    if not isinstance(loaded.model, AnalogMLP):
        raise RunDirError(f"{run} trained model.name={loaded.config.model.name}; "
                          "export needs an analog-mlp run")
    out = Path(out) if out is not None else Path(run) / EXPORT_DIR
    if out.exists():
        raise RunDirError(f"{out} already exists; goodfit never overwrites an export: "
                          "remove it or pass --out")
    cfg = loaded.config
    if data_root:
        cfg = replace(cfg, data=replace(cfg.data, root=data_root))
    data = prepare_data(cfg.data)
    split_name, split = ("valid", data.valid) if data.valid is not None else ("test", data.test)
    chip = replace(cfg.model.analog, noise=0.0, gain_mismatch=0.0)  # the check needs determinism
    model = AnalogMLP(loaded.input_shape, len(loaded.classes), config=chip)
    model.load_state_dict(loaded.model.state_dict())
    x = torch.from_numpy(split.x).float()
    pred_torch = predict_logits(model, x).argmax(1).numpy()
    with torch.no_grad():
        ints_torch = torch.cat([model.integer_logits(x[i:i + 2048]) for i in range(0, len(x), 2048)]).numpy()
    weights = [layer.weight_int().numpy().astype(np.int16) for layer in model.analog_layers()]
    spec = chip_spec(chip)
    logits_np, ranges = integer_forward(encode_codes(split.x, chip.input_bits), weights, spec)
    agree = int((logits_np.argmax(1) == pred_torch).sum())
    result = ExportResult(out, len(split.x), bool(np.array_equal(logits_np, ints_torch)), agree)
    _write(out, weights, {
        "run": str(Path(run)), "model": cfg.model.name, "analog": config_to_dict(cfg.model.analog),
        "chip": spec, "classes": list(loaded.classes), "input_shape": list(loaded.input_shape),
        "layers": [{"in": int(w.shape[1]), "out": int(w.shape[0]),
                    "chunks": -(-w.shape[1] // chip.chunk_rows),
                    "weight_range": [int(w.min()), int(w.max())], **r}
                   for w, r in zip(weights, ranges, strict=True)],
        "ranges_measured_on": split_name,
        "check": {"split": split_name, "n": result.n_checked, "logits_equal": result.logits_equal,
                  "predictions_equal": agree, "exact": result.exact},
    })
    return result


def _write(out: Path, weights: list[np.ndarray], meta: dict[str, Any]) -> None:
    from goodfit.run import atomic_write_bytes, atomic_write_text

    out.mkdir(parents=True)
    buf = io.BytesIO()
    np.savez(buf, **{f"layer{i}": w for i, w in enumerate(weights)})
    atomic_write_bytes(out / "weights.npz", buf.getvalue())
    atomic_write_text(out / "export.json", json.dumps(meta, indent=2) + "\n")
