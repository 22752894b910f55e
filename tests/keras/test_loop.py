"""Keras models in goodfit's own loop: ``model.name=keras-mlp`` and ``keras:package.module:build``."""

from __future__ import annotations

import json
import statistics

import pytest
import torch
from helpers import assert_one_line_error, run_cli

import goodfit


def _fit(*overrides: str, tmp_path):
    cfg = goodfit.apply_overrides(goodfit.Config(), [f"out_dir={tmp_path}", *overrides])
    return goodfit.fit(cfg, progress="quiet", report=False)


def test_keras_mlp_trains_in_goodfits_loop_and_repeats_exactly(tmp_path):
    first = _fit("model.name=keras-mlp", "data.name=digits", "train.epochs=4", "model.dropout=0.1", tmp_path=tmp_path)
    assert first.status == "completed" and first.metrics["test"]["accuracy"] > 0.85
    assert not [f for f in first.findings if f.severity == "error"]
    again = _fit("model.name=keras-mlp", "data.name=digits", "train.epochs=4", "model.dropout=0.1", tmp_path=tmp_path)
    assert again.metrics["test"]["accuracy"] == first.metrics["test"]["accuracy"]  # the seed decides Keras' init too
    loaded = goodfit.load_model(first.run_dir)  # a fresh Keras model in this process, the checkpoint's weights
    x = torch.rand(3, 1, 8, 8)
    assert torch.allclose(loaded.model(x), first.model.eval()(x), atol=1e-5)


def test_a_keras_builders_kernel_regularizer_is_in_the_loss(tmp_path, monkeypatch):
    (tmp_path / "regularized.py").write_text(
        "import keras\n"
        "def build(input_shape, n_outputs, l2=0.0):\n"
        "    reg = keras.regularizers.L2(l2) if l2 else None\n"
        "    return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),\n"
        "                             keras.layers.Dense(32, activation='relu', kernel_regularizer=reg),\n"
        "                             keras.layers.Dense(n_outputs, kernel_regularizer=reg)])\n"
        "def strong(input_shape, n_outputs):\n"
        "    return build(input_shape, n_outputs, l2=0.5)\n")
    monkeypatch.chdir(tmp_path)
    runs = {name: _fit(f"model.name=keras:regularized:{name}", "data.name=digits", "train.epochs=3",
                       "train.batch_size=32", "train.monitors=false", tmp_path=tmp_path)
            for name in ("build", "strong")}
    norms = {name: sum(float(p.detach().norm()) for n, p in r.model.named_parameters() if n.endswith("kernel"))
             for name, r in runs.items()}
    assert norms["strong"] < 0.5 * norms["build"]  # L2 pulled the kernels in, as in Keras' own fit
    penalized = runs["strong"].history[-1]
    assert penalized["train_loss"] > penalized["valid_loss"]  # the reported train loss holds the penalty


@pytest.mark.e2e
def test_goodfit_train_takes_a_keras_builder_and_names_a_bad_one_in_one_line(tmp_path):
    (tmp_path / "my_models.py").write_text(
        "import keras\n"
        "def build(input_shape, n_outputs):\n"
        "    return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),\n"
        "                             keras.layers.Dense(32, activation='relu'), keras.layers.Dense(n_outputs)])\n")
    run_cli("train", "--model", "keras:my_models:build", "--dataset", "digits", "--epochs", "3", "--progress", "quiet",
            f"out_dir={tmp_path / 'runs'}")  # the autouse fixture runs the test, and so goodfit, in tmp_path
    (run,) = (tmp_path / "runs").iterdir()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["test"]["accuracy"] > 0.3 and (run / "report.html").is_file()
    bad = run_cli("train", "--model", "keras:my_models:missing", "--dataset", "digits", check=False)
    assert_one_line_error(bad, "keras:my_models:missing", "no function missing")


@pytest.mark.slow
def test_a_keras_mlp_and_the_pytorch_mlp_reach_the_same_accuracy(tmp_path):
    """The course MLP as Keras and as PyTorch, trained by goodfit on mnist-5k: same data, split, epochs and
    optimizer, 3 seeds each; their mean test accuracies lie within 1 point."""
    accuracy = {model: [_fit(f"model.name={model}", f"seed={seed}", "train.epochs=10", tmp_path=tmp_path)
                        .metrics["test"]["accuracy"] for seed in range(3)] for model in ("mlp", "keras-mlp")}
    gap = abs(statistics.mean(accuracy["keras-mlp"]) - statistics.mean(accuracy["mlp"]))
    assert gap <= 0.01, accuracy
