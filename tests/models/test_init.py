"""model.init / model.init_bias against the closed forms, and model.* options: honoured or refused."""

import math

import pytest
import torch
from torch import nn

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError
from goodfit.models import MODEL_OPTIONS, MODELS, ConvNet, check_model_options, create_model, init_weights


def _convs_and_linears(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def test_xavier_is_glorot_uniform():
    torch.manual_seed(0)
    layer = init_weights(nn.Linear(1000, 500), "xavier")
    bound = math.sqrt(6 / (1000 + 500))  # Glorot & Bengio (2010): U(-b, b), Var = b^2 / 3
    assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.99 * bound
    assert layer.weight.var().item() == pytest.approx(bound**2 / 3, rel=0.02)
    assert (layer.bias == 0).all()


def test_kaiming_is_he_normal_for_relu():
    torch.manual_seed(0)
    conv = init_weights(nn.Conv2d(64, 128, 3), "kaiming")
    fan_in = 64 * 3 * 3
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)  # He et al. (2015)
    tanh = init_weights(nn.Linear(2000, 1000), "kaiming", activation="tanh")
    assert tanh.weight.std().item() == pytest.approx((5 / 3) / math.sqrt(2000), rel=0.02)


def test_default_leaves_weights_and_bias_fill_sets_every_bias():
    torch.manual_seed(0)
    layer = nn.Linear(10, 5)
    before = layer.weight.detach().clone()
    init_weights(layer, "default", bias=0.01)
    assert torch.equal(layer.weight, before) and torch.allclose(layer.bias, torch.full((5,), 0.01))
    with pytest.raises(ConfigError, match="unknown model.init='he'"):
        init_weights(layer, "he")


@pytest.mark.parametrize("name", ["mlp", "convnet", "resnet18"])
def test_every_pytorch_model_takes_init(name):
    cfg = ModelConfig(name=name, init="xavier", init_bias=0.5)
    model = create_model(cfg, input_shape=(3, 16, 16), n_classes=4)
    layers = _convs_and_linears(model)
    assert all(m.bias is None or torch.all(m.bias == 0.5) for m in layers)
    assert any(m.bias is not None for m in layers)


def test_convnet_honours_batchnorm():
    with_bn = create_model(ModelConfig(name="convnet"), input_shape=(3, 16, 16), n_classes=4)
    without = create_model(ModelConfig(name="convnet", batchnorm=False), input_shape=(3, 16, 16), n_classes=4)
    assert any(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in without.modules())
    assert all(m.bias is not None for m in without.modules() if isinstance(m, nn.Conv2d))
    assert isinstance(without, ConvNet) and without(torch.zeros(2, 3, 16, 16)).shape == (2, 4)


def test_mlp_batchnorm_stays_off_by_default():
    mlp = create_model(ModelConfig(), input_shape=(1, 8, 8), n_classes=3)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in mlp.modules())


@pytest.mark.parametrize(("cfg", "message"), [
    (ModelConfig(name="convnet", hidden=(128,)), "model.hidden is not used by convnet"),
    (ModelConfig(name="resnet18", dropout=0.5), "model.dropout is not used by resnet18"),
    (ModelConfig(name="resnet18", channels=(8,)), "model.channels is not used by resnet18"),
    (ModelConfig(name="mlp", channels=(8,)), "model.channels is not used by mlp"),
    (ModelConfig(name="analog-mlp", hidden=(32,)), "model.analog.hidden"),
    (ModelConfig(name="analog-mlp", init="xavier"), "model.init is not used by analog-mlp"),
    (ModelConfig(name="analog-mlp", batchnorm=True), "model.batchnorm is not used by analog-mlp"),
])
def test_an_option_a_model_ignores_is_an_error(cfg, message):
    with pytest.raises(ConfigError, match=message):
        check_model_options(cfg)
    with pytest.raises(ConfigError, match=message):
        create_model(cfg, input_shape=(1, 28, 28), n_classes=10)


def test_every_registered_model_declares_its_options():
    assert {entry.name for entry in MODELS} == set(MODEL_OPTIONS)
    for entry in MODELS:  # the defaults pass for every model
        check_model_options(ModelConfig(name=entry.name + (":pkg.mod:build" if entry.takes_argument else "")))


def test_dirac_starts_each_convolution_as_the_identity_on_its_inputs():
    torch.manual_seed(0)
    wide = init_weights(nn.Conv2d(4, 6, 3, padding=1), "dirac")
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        assert torch.allclose(wide(x)[:, :4], x, atol=1e-6)  # the first in_channels filters pass x through
        assert wide.weight[4:].abs().sum() > 0 and wide.bias.abs().sum() == 0  # the rest: PyTorch's init
        narrow = init_weights(nn.Conv2d(6, 4, 3, padding=1), "dirac")
        y = torch.randn(2, 6, 5, 5)
        assert torch.allclose(narrow(y), y[:, :4], atol=1e-6)
    linear = nn.Linear(3, 3)
    before = linear.weight.clone()
    assert torch.equal(init_weights(linear, "dirac").weight, before)  # not a convolution: left as it is


def test_init_from_data_reaches_only_models_that_ask_for_it():
    import numpy as np

    from goodfit.models import FastNet, init_from_data

    x = np.random.default_rng(0).normal(size=(50, 3, 8, 8)).astype(np.float32)
    model = init_from_data(FastNet((3, 8, 8), 10, whiten=True), x, n=20)
    w = model.stem[0].weight
    assert torch.equal(w, init_from_data(FastNet((3, 8, 8), 10, whiten=True), x, n=20).stem[0].weight)  # seeded
    assert not torch.equal(w, init_from_data(FastNet((3, 8, 8), 10, whiten=True), x, n=20, seed=1).stem[0].weight)
    plain = nn.Linear(2, 2)
    assert init_from_data(plain, x) is plain
