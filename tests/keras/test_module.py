"""KerasModule (goodfit.models.keras): a Keras model as goodfit's loop, checks and checkpoints see it."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import torch

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError, MissingExtraError
from goodfit.models import MODELS, create_model
from goodfit.models.keras import KerasModule, import_keras, is_keras_model, keras_mlp
from goodfit.train.penalties import l1_penalty, weight_tensors


def test_train_and_eval_switch_dropout_and_batchnorm_as_fit_and_predict_do():
    model = keras_mlp((8,), 3, hidden=(16,), dropout=0.5, batchnorm=True)
    module = KerasModule(model)
    x = torch.randn(32, 8)
    module.eval()
    assert torch.equal(module(x), module(x))  # no dropout, running statistics
    assert torch.allclose(module(x), model(x, training=False))
    moving = module.layers[2].moving_mean.detach().clone()
    module.train()
    assert not torch.equal(module(x), module(x))  # dropout draws
    assert not torch.equal(module.layers[2].moving_mean, moving)  # batch norm learns its statistics
    frozen = module.layers[2].moving_mean.detach().clone()
    module.eval()
    module(x)
    assert torch.equal(module.layers[2].moving_mean, frozen)


def test_parameters_are_keras_variables_under_names_that_survive_a_rebuild():
    module = create_model(ModelConfig(name="keras-mlp", hidden=(16, 8)), input_shape=(1, 28, 28), n_classes=10)
    names = [n for n, _ in module.named_parameters()]
    assert names == ["layers.1.kernel", "layers.1.bias", "layers.2.kernel", "layers.2.bias", "layers.3.kernel",
                     "layers.3.bias"]  # layers.0 is the Flatten
    keras_kernels = [v.value for v in module.keras_model.weights]
    assert all(any(p is k for k in keras_kernels) for p in module.parameters())  # the very tensors Keras trains
    again = create_model(ModelConfig(name="keras-mlp", hidden=(16, 8)), input_shape=(1, 28, 28), n_classes=10)
    again.load_state_dict(module.state_dict())  # Keras named this one's layers dense_3, dense_4...: loads all the same
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(again.eval()(x), module.eval()(x))


def test_a_deep_copy_trains_apart():
    module = KerasModule(keras_mlp((4,), 2, hidden=(8,)))
    twin = copy.deepcopy(module)
    x = torch.randn(5, 4)
    assert torch.allclose(twin(x), module(x))
    with torch.no_grad():
        next(twin.parameters()).add_(1.0)
    assert not torch.allclose(twin(x), module(x))
    assert not {id(p) for p in twin.parameters()} & {id(p) for p in module.parameters()}


def test_probabilities_come_out_as_logits_and_images_in_the_layout_the_model_takes():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    module = KerasModule(model, outputs="probabilities").eval()
    x = torch.rand(3, 1, 28, 28)  # goodfit's channels-first images
    logits = module(x)
    assert torch.allclose(logits.softmax(1), model(x.permute(0, 2, 3, 1), training=False), atol=1e-5)
    flat = KerasModule(keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])).eval()
    assert flat(x).shape == (3, 10)  # (1, 28, 28) -> (784,)


def test_kernel_regularizers_are_the_loss_terms_keras_adds_and_l1_is_goodfits():
    model = keras_mlp((6,), 2, hidden=(4,), l1=0.01, l2=0.001)
    module = KerasModule(model)
    kernels = [v.value for v in model.weights if v.name == "kernel"]
    want = sum(0.01 * k.abs().sum() + 0.001 * (k**2).sum() for k in kernels)
    assert torch.allclose(module.keras_losses(), want)
    assert module.keras_losses().requires_grad
    assert [id(w) for w in weight_tensors(module)] == [id(k) for k in kernels]  # a Keras weight is its kernel
    assert torch.allclose(0.01 * l1_penalty(module), sum(0.01 * k.abs().sum() for k in kernels))
    assert KerasModule(keras_mlp((6,), 2, hidden=(4,))).keras_losses is None


def test_keras_builders_from_a_module_or_a_file(tmp_path, monkeypatch):
    (tmp_path / "my_models.py").write_text(
        "import keras\n"
        "def build(input_shape, n_outputs):\n"
        "    layers = keras.layers\n"
        "    return keras.Sequential([keras.Input(input_shape), layers.Flatten(), layers.Dense(n_outputs)])\n"
        "def plain():\n"
        "    return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(3)])\n"
        "def not_keras():\n"
        "    return 42\n")
    monkeypatch.chdir(tmp_path)
    module = create_model(ModelConfig(name="keras:my_models:build"), input_shape=(1, 8, 8), n_classes=5)
    assert module(torch.rand(2, 1, 8, 8)).shape == (2, 5)
    unbuilt = create_model(ModelConfig(name=f"keras:{tmp_path / 'my_models.py'}:plain"), input_shape=(4,), n_classes=3)
    assert unbuilt(torch.rand(2, 4)).shape == (2, 3)  # built here for the data's input shape
    with pytest.raises(ConfigError, match="not a Keras model"):
        create_model(ModelConfig(name="keras:my_models:not_keras"), input_shape=(4,), n_classes=3)
    with pytest.raises(ConfigError, match="no function"):
        create_model(ModelConfig(name="keras:my_models:nothing"), input_shape=(4,), n_classes=3)
    with pytest.raises(ConfigError, match="must name a function"):
        create_model(ModelConfig(name="keras:my_models"), input_shape=(4,), n_classes=3)


def test_keras_is_asked_for_clearly(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'goodfit\[keras\]'"):
        import_keras()


def test_registering_keras_models_imports_no_keras_and_another_backend_is_refused():
    code = ("import sys, goodfit.models, goodfit.checks, goodfit.keras\n"
            "print('keras' in sys.modules)\n"
            "try:\n    goodfit.keras.import_keras()\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\n"
            "print('keras' in sys.modules)")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "False", out.stderr[-2000:]  # goodfit, its models, checks and goodfit.keras: no Keras yet
    assert lines[1].startswith("ConfigError") and "KERAS_BACKEND=jax" in lines[1] and lines[2] == "False"
    assert "keras-mlp" in MODELS and "keras:pkg.mod:build" in MODELS


def test_only_keras_models_are_wrapped():
    assert is_keras_model(keras_mlp((2,), 2)) and not is_keras_model(torch.nn.Linear(2, 2))
    with pytest.raises(ConfigError, match="wraps a Keras model"):
        KerasModule(torch.nn.Linear(2, 2))
    assert np.isclose(sum(p.numel() for p in KerasModule(keras_mlp((784,), 10)).parameters()), 59210)


def test_the_direct_path_computes_what_keras_computes():
    model = keras_mlp((1, 8, 8), 4, hidden=(16, 16), batchnorm=True)  # no dropout: its draws would differ
    fast, twin = KerasModule(model), KerasModule(keras.models.clone_model(model))
    twin.load_state_dict(fast.state_dict())
    twin.direct = False  # the same weights, called through Keras' __call__
    assert fast.direct and [n for n, _ in fast.probe_layers()][:2] == ["layers.0", "layers.1"]
    x = torch.rand(32, 1, 8, 8)
    assert torch.allclose(fast.eval()(x), twin.eval()(x), atol=1e-6)
    fast.train()(x), twin.train()(x)  # one training step's batch statistics each
    assert torch.allclose(fast.layers[5].moving_variance, twin.layers[5].moving_variance, atol=1e-6)
    assert torch.allclose(fast.eval()(x), twin.eval()(x), atol=1e-6)
    functional = keras.Model(*(lambda i: (i, keras.layers.Dense(3)(i)))(keras.Input((4,))))
    assert not KerasModule(functional).direct  # called whole
