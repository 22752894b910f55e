"""The lint on Keras models (goodfit.checks.keras_rules, goodfit.check, goodfit.keras.check): each Keras
pitfall on the course MLP, and its clean twin."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import goodfit
import goodfit.keras
from goodfit.checks.keras_rules import ProbabilityCrossEntropy, keras_loss


def ids(findings):
    return {f.id for f in findings}


def test_a_softmax_under_from_logits_true(shuffled, mlp, compiled):
    x, y, *_ = shuffled
    found = ids(goodfit.keras.check(compiled(mlp(softmax=True), from_logits=True), x, y))
    assert "softmax-from-logits" in found and "softmax-before-ce" not in found  # named once, with the Keras fix
    assert not ids(goodfit.keras.check(compiled(mlp(), from_logits=True), x, y))  # the course's model: clean


def test_logits_under_from_logits_false(shuffled, mlp, compiled):
    x, y, *_ = shuffled
    found = goodfit.keras.check(compiled(mlp(), from_logits=False), x, y)
    assert "logits-not-from-logits" in ids(found)
    assert "from_logits=False" in next(f.message for f in found if f.id == "logits-not-from-logits")
    twin = compiled(mlp(softmax=True), from_logits=False)  # probabilities and a loss that takes them: right
    assert not ids(goodfit.keras.check(twin, x, y)) & {"logits-not-from-logits", "softmax-from-logits",
                                                        "softmax-before-ce"}
    plain = mlp()
    plain.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # the string's default: False
    assert "logits-not-from-logits" in ids(goodfit.keras.check(plain, x, y))


def test_validation_split_on_data_in_class_order(digits, shuffled, mlp, compiled):
    x, y = digits
    model = compiled(mlp())
    found = goodfit.keras.check(model, x / 255.0, y, validation_split=0.1)
    tail = next(f for f in found if f.id == "validation-split-tail")
    assert "validation_split=0.1" in tail.message and "1 of the 10 classes" in tail.message
    assert "small-valid-split" not in ids(found)  # the tail explains the classes missing from validation
    xs, ys, *_ = shuffled
    assert "validation-split-tail" not in ids(goodfit.keras.check(model, xs, ys, validation_split=0.1))


def test_fit_without_shuffling(digits, shuffled, mlp, compiled):
    model = compiled(mlp())
    xs, ys, *_ = shuffled
    found = goodfit.keras.check(model, xs, ys, shuffle=False)
    assert [f.where for f in found if f.id == "unshuffled-train-loader"] == ["model.fit"]
    x, y = digits
    assert {"unshuffled-train-loader", "sorted-labels"} <= ids(goodfit.keras.check(model, x / 255.0, y, shuffle=False))
    assert not ids(goodfit.keras.check(model, x / 255.0, y)) & {"unshuffled-train-loader", "sorted-labels"}


def test_the_test_set_as_validation_data(shuffled, mlp, compiled):
    x_train, y_train, x_test, y_test = shuffled
    model = compiled(mlp())
    found = goodfit.keras.check(model, x_train, y_train, validation_data=(x_test, y_test))
    named = next(f for f in found if f.id == "test-as-valid")
    assert "x_test" in named.message and named.where == "validation_data"
    x_val, y_val = x_train[-300:], y_train[-300:]
    assert "test-as-valid" not in ids(goodfit.keras.check(model, x_train[:-300], y_train[:-300],
                                                          validation_data=(x_val, y_val)))
    by_samples = goodfit.keras.check(model, x_train, y_train, validation_data=(x_val, y_val),
                                     test_data=(x_val, y_val))  # no names needed: the samples are the same
    assert "test-as-valid" in ids(by_samples)


def test_unscaled_inputs(shuffled, mlp, compiled):
    x, y, *_ = shuffled
    model = compiled(mlp())
    assert "unscaled-inputs" in ids(goodfit.keras.check(model, (x * 255).astype(np.uint8), y))  # raw pixels
    assert "unscaled-inputs" not in ids(goodfit.keras.check(model, x, y))


class Digits(keras.utils.PyDataset):
    """Batches of 100 in the order the arrays come."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x) // 100

    def __getitem__(self, i):
        return self.x[100 * i: 100 * (i + 1)], self.y[100 * i: 100 * (i + 1)]


def test_goodfit_check_takes_keras_models_and_keras_style_data(digits, shuffled, mlp, compiled):
    x, y = digits
    model = compiled(mlp(softmax=True))
    found = goodfit.check(model=model, train_loader=Digits(x / 255.0, y))
    assert {"softmax-from-logits", "sorted-labels"} <= ids(found)  # a PyDataset in class order: one class a batch
    xs, ys, x_test, y_test = shuffled
    clean = goodfit.check(model=compiled(mlp()), train_loader=Digits(xs, ys), valid_loader=(x_test[:250], y_test[:250]),
                          test_loader=(x_test[250:], y_test[250:]))
    assert not ids(clean) - {"small-valid-split"}, clean


@pytest.mark.parametrize("loss, kind, from_logits, torch_loss", [
    ("sparse_categorical_crossentropy", "classification", False, "ProbabilityCrossEntropy"),
    (keras.losses.SparseCategoricalCrossentropy(from_logits=True), "classification", True, "CrossEntropyLoss"),
    (keras.losses.CategoricalCrossentropy(from_logits=True), "classification", True, "CrossEntropyLoss"),
    (keras.losses.BinaryCrossentropy(from_logits=True), "binary", True, "BCEWithLogitsLoss"),
    ("binary_crossentropy", "binary", False, "BCELoss"),
    ("mse", "regression", None, "MSELoss"),
    (keras.losses.MeanAbsoluteError(), "regression", None, "L1Loss"),
    (keras.losses.sparse_categorical_crossentropy, "classification", False, "ProbabilityCrossEntropy"),
])
def test_keras_losses_and_their_torch_twins(loss, kind, from_logits, torch_loss):
    read = keras_loss(loss)
    assert (read.kind, read.from_logits, type(read.torch_loss).__name__) == (kind, from_logits, torch_loss)
    assert keras_loss("kl_divergence").kind is None and keras_loss(None) is None


def test_probability_cross_entropy_is_keras_own():
    import torch

    p = torch.softmax(torch.randn(6, 4), 1)
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    want = keras.losses.SparseCategoricalCrossentropy()(y, p)
    assert torch.allclose(ProbabilityCrossEntropy()(p, y), torch.as_tensor(want), atol=1e-5)


def test_a_regression_target_vector_fits_a_one_unit_output_as_in_keras():
    x = np.random.default_rng(0).random((200, 784), dtype=np.float32)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    assert "wrong-output-units" not in ids(goodfit.keras.check(model, x, x[:, 0]))  # Keras matches (N,) to (N, 1)
