"""GoodfitCallback (goodfit.keras.callback): the lint before model.fit's first batch, on each Keras pitfall
and on its clean twin; the monitors; the run folder and its report."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import torch

from goodfit.errors import CheckError
from goodfit.keras import GoodfitCallback
from goodfit.keras.fitcall import read_fit_call


def lint_ids(cb):
    return {f["id"] for f in json.loads((cb.run_dir / "findings.json").read_text()) if f["stage"] == "lint"} \
        if (cb.run_dir / "findings.json").is_file() else set()


def fit(model, x, y, cb, **kwargs):
    model.fit(x, y, epochs=kwargs.pop("epochs", 1), batch_size=64, verbose=0, callbacks=[cb], **kwargs)
    return cb


@pytest.fixture
def course(shuffled, mlp, compiled):
    """The course's set-up done right: shuffled, scaled, logits and from_logits=True, 1,500 samples."""
    return compiled(mlp(dropout=0.2, l2=1e-4)), shuffled


def test_the_clean_course_model_trains_into_a_run_folder_with_its_report(course, tmp_path):
    model, (x_train, y_train, x_test, y_test) = course
    cb = fit(model, x_train, y_train, GoodfitCallback(test_data=(x_test, y_test), out_dir=tmp_path, name="course"),
             validation_split=0.2, epochs=3)
    run = cb.run_dir
    assert run.parent == tmp_path and run.name.startswith("course-")
    for name in ("config.yaml", "history.csv", "findings.json", "metrics.json", "predictions.npz", "report.html",
                 "checkpoints/model.keras", "plots/loss.png", "plots/accuracy.png", "plots/confusion_matrix.png",
                 "plots/worst_test.png"):
        assert (run / name).is_file(), name
    assert not lint_ids(cb)  # the clean twin: nothing to say before training
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["stop_reason"] == "completed 3 epochs"
    assert (metrics["n_train"], metrics["n_valid"], metrics["n_test"]) == (1200, 300, 500)
    assert len(metrics["test_evaluations"]) == 1  # the test set, once, after training
    assert metrics["test"]["accuracy"] > 0.5 > metrics["baselines"]["untrained"]["accuracy"]
    assert [row["epoch"] for row in cb.history] == [1, 2, 3]
    assert {"train_loss", "train_acc", "valid_loss", "valid_acc", "lr", "time"} <= set(cb.history[0])
    np.testing.assert_allclose(cb.history[-1]["valid_acc"], metrics["valid"]["accuracy"], atol=1e-6)
    reloaded = keras.models.load_model(run / "checkpoints" / "model.keras")
    x = torch.from_numpy(x_test[:5])
    assert torch.allclose(reloaded(x, training=False), model(x, training=False), atol=1e-5)
    assert "keras" in (run / "config.yaml").read_text() and "Run report" in (run / "report.html").read_text()


def _softmax(digits, shuffled, mlp, compiled):
    x, y, *_ = shuffled
    return compiled(mlp(softmax=True), from_logits=True), x, y, {}


def _logits_as_probabilities(digits, shuffled, mlp, compiled):
    x, y, *_ = shuffled
    return compiled(mlp(), from_logits=False), x, y, {}


def _tail_of_sorted(digits, shuffled, mlp, compiled):
    x, y = digits
    return compiled(mlp()), x / 255.0, y, {"validation_split": 0.1}


def _no_shuffle(digits, shuffled, mlp, compiled):
    x, y, *_ = shuffled
    return compiled(mlp()), x, y, {"shuffle": False}


def _test_as_validation(digits, shuffled, mlp, compiled):
    x_train, y_train, x_test, y_test = shuffled
    return compiled(mlp()), x_train, y_train, {"validation_data": (x_test, y_test)}


def _raw_pixels(digits, shuffled, mlp, compiled):
    x, y, *_ = shuffled
    return compiled(mlp()), (x * 255).astype(np.uint8), y, {}


PITFALLS = [("softmax-from-logits", _softmax), ("logits-not-from-logits", _logits_as_probabilities),
            ("validation-split-tail", _tail_of_sorted), ("unshuffled-train-loader", _no_shuffle),
            ("test-as-valid", _test_as_validation), ("unscaled-inputs", _raw_pixels)]


@pytest.mark.parametrize("expected, setup", PITFALLS, ids=[p[0] for p in PITFALLS])
def test_each_keras_pitfall_is_found_before_the_first_batch(expected, setup, digits, shuffled, mlp, compiled,
                                                            tmp_path):
    x_train, y_train, x_test, y_test = shuffled  # named as a script names them: test-as-valid reads the names
    model, x, y, kwargs = setup(digits, shuffled, mlp, compiled)
    cb = fit(model, x, y, GoodfitCallback(out_dir=tmp_path, on_error="continue", report=False, verbose=0), **kwargs)
    assert expected in lint_ids(cb), cb.findings
    assert expected in {f.id for f in cb.findings}


def test_a_lint_error_stops_fit_before_its_first_step(shuffled, mlp, compiled, tmp_path):
    x, y, *_ = shuffled
    model = compiled(mlp(softmax=True), from_logits=True)
    before = [w.value.detach().clone() for w in model.trainable_weights]
    with pytest.raises(CheckError, match="softmax-from-logits"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[GoodfitCallback(out_dir=tmp_path, verbose=0)])
    assert all(bool((a == w.value).all()) for a, w in zip(before, model.trainable_weights))
    assert not list(tmp_path.iterdir())  # as goodfit train: no run folder for a set-up that cannot train


def test_fit_s_arguments_are_read_as_keras_holds_them(digits, mlp, compiled):
    x, y = digits
    model = compiled(mlp())
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(read_fit_call(self.model))
            self.model.stop_training = True

    x_test = x[:10]
    model.fit(x, y, epochs=1, batch_size=500, validation_split=0.2, shuffle=False, verbose=0, callbacks=[Spy()])
    model.fit(x[:50], y[:50], epochs=2, validation_data=(x_test, y[:10]), verbose=0, callbacks=[Spy()])
    split, given = seen
    assert split.split_used and split.validation_split == 0.2 and split.shuffle is False and split.batch_size == 500
    assert len(split.train[0]) == 4000 and len(split.validation_data[0]) == 1000  # the tail Keras cut off
    assert not given.split_used and "x_test" in given.valid_names and given.epochs == 2
    assert read_fit_call(model) is None  # outside fit


def test_a_nan_loss_stops_fit_and_the_run_says_it_diverged(shuffled, mlp, compiled, tmp_path):
    x, y, *_ = shuffled
    model = compiled(mlp(), lr=1e3)
    bad = x.copy()
    bad[5:] = np.nan  # every batch after the first holds NaN
    cb = fit(model, bad, y, GoodfitCallback(out_dir=tmp_path, on_error="continue", report=False, verbose=0),
             epochs=3)
    metrics = json.loads((cb.run_dir / "metrics.json").read_text())
    assert metrics["status"] == "diverged" and "loss became nan" in metrics["stop_reason"]
    assert metrics["epochs_run"] == 1 and "nonfinite-inputs" in lint_ids(cb)


def test_monitors_watch_keras_layers(shuffled, compiled, tmp_path):
    x, y, *_ = shuffled
    dead = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu", bias_initializer=
                                                                      keras.initializers.Constant(-50.0)),
                             keras.layers.Dense(10)])
    cb = fit(compiled(dead), x, y, GoodfitCallback(out_dir=tmp_path, on_error="continue", report=False, verbose=0))
    found = {(f.id, f.where) for f in cb.findings}
    assert ("dead-relu", "layers.0") in found  # a Keras Dense(activation="relu"), found by its layer's name
