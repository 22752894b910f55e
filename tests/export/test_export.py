"""goodfit export: every format written, read back by its own runtime (onnxruntime for ONNX) and
checked against the PyTorch model; the metadata's preprocessing, applied by hand, reproduces
goodfit's own predictions; bad input is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import assert_one_line_error, run_cli

import goodfit
from goodfit.errors import ConfigError
from goodfit.export import FORMATS, export_run, load_exported


def _fit(tmp, *overrides):
    cfg = goodfit.apply_overrides(goodfit.Config(), [*overrides, "train.epochs=2", f"out_dir={tmp}"])
    return goodfit.fit(cfg, progress="quiet", report=False).run_dir


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    return _fit(tmp_path_factory.mktemp("export"), "data.name=digits", "model.name=convnet")


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_matches_pytorch_on_the_test_inputs(digits_run, fmt):
    result = export_run(digits_run, fmt=fmt)
    assert result.path.parent == digits_run / "export" and result.path.is_file()
    parity = result.parity
    assert parity["samples"] == 359 and parity["same_predictions"] == 1.0 and parity["max_abs_diff"] < 1e-4
    meta = json.loads(result.metadata_path.read_text())
    assert meta["format"] == fmt and meta["classes"] == [str(d) for d in range(10)]
    assert meta["input"]["shape"] == ["batch", 1, 8, 8]
    assert not list(result.path.parent.glob("*.tmp*"))  # written atomically, nothing left behind


def test_the_metadata_is_enough_to_use_the_model_without_goodfit(digits_run):
    """Raw digits -> the metadata's formula -> onnxruntime gives goodfit's own class probabilities."""
    import onnx
    import onnxruntime as ort
    from sklearn.datasets import load_digits

    result = export_run(digits_run, fmt="onnx")
    stored = {p.key: p.value for p in onnx.load(str(result.path)).metadata_props}
    meta = json.loads(stored["goodfit"])  # the same description travels inside the .onnx file
    assert meta["opset"] == 18 and meta["preprocessing"]["formula"].startswith("input = (raw - shift) / scale")
    raw = load_digits().images[:50].reshape(50, 1, 8, 8).astype(np.float32)
    pre = meta["preprocessing"]
    x = (raw - np.asarray(pre["shift"], np.float32)) / np.asarray(pre["scale"], np.float32)
    logits = ort.InferenceSession(str(result.path)).run(["output"], {"input": x})[0]
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    np.testing.assert_allclose(probs, goodfit.load_model(digits_run).predict(raw), atol=1e-5)
    run, loaded_meta = load_exported(result.path)
    np.testing.assert_allclose(run(x), logits, atol=1e-6)
    assert loaded_meta["run"] == digits_run.name


@pytest.mark.parametrize("dataset", ["breast-cancer", "diabetes"])
def test_binary_and_regression_runs_export(tmp_path, dataset):
    result = export_run(_fit(tmp_path, f"data.name={dataset}"), fmt="onnx")
    assert result.parity["same_predictions"] == 1.0 and result.parity["max_abs_diff"] < 1e-4
    assert result.metadata["task"]["name"] == {"breast-cancer": "binary", "diabetes": "regression"}[dataset]
    assert "sigmoid" in result.metadata["output"]["meaning"] or "std" in result.metadata["output"]["meaning"]


def test_bad_requests_are_one_line(tmp_path, digits_run):
    with pytest.raises(ConfigError, match="choose one of onnx, torchscript, pt2"):
        export_run(digits_run, fmt="keras")
    analog = _fit(tmp_path, "data.name=mnist-5k", "model.name=analog-mlp", "data.scaling=minmax01",
                  "train.epochs=1", "train.check=false")
    proc = run_cli("export", analog, "--format", "onnx", check=False)
    assert_one_line_error(proc, "goodfit analog export")
    proc = run_cli("export", tmp_path / "no-such-run", check=False)
    assert_one_line_error(proc, "no-such-run")


@pytest.mark.e2e
def test_cli_prints_the_parity(digits_run, tmp_path):
    proc = run_cli("export", digits_run, "--format", "pt2", "--out", tmp_path / "shipped")
    assert proc.returncode == 0, proc.stderr
    assert "same predictions 100.00%" in proc.stdout and (tmp_path / "shipped" / "model.pt2").is_file()
