"""tutorial-convnet: the CIFAR-10 tutorial's layers, its Xavier init and bias fill, and its options."""

import pytest
import torch
from torch import nn

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError
from goodfit.models import TutorialConvNet, create_model


def _parameters(channels, hidden, n_classes, c_in=3, side=32):
    """The parameter count by hand: 3×3 convs with biases, then two linear layers."""
    count = 0
    for c in channels:
        count += 9 * c_in * c + c
        c_in, side = c, side // 2
    return count + (c_in * side * side + 1) * hidden + (hidden + 1) * n_classes


def test_layers_and_size():
    net = TutorialConvNet((3, 32, 32), 10)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 64, 128] and all(c.kernel_size == (3, 3) for c in convs)
    assert sum(p.numel() for p in net.parameters()) == _parameters((32, 64, 128), 256, 10)
    assert net(torch.zeros(4, 3, 32, 32)).shape == (4, 10)
    assert not any(isinstance(m, (nn.Softmax, nn.BatchNorm2d, nn.Dropout)) for m in net.modules())


def test_xavier_weights_and_biases_of_one_hundredth():
    torch.manual_seed(0)
    net = TutorialConvNet((3, 32, 32), 10)
    for layer in (m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))):
        fan_in = layer.weight[0].numel()
        fan_out = layer.weight.shape[0] * layer.weight[0, 0].numel()
        bound = (6 / (fan_in + fan_out)) ** 0.5  # Glorot & Bengio (2010), uniform
        assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound
        assert torch.all(layer.bias == 0.01)


def test_config_options_and_the_ones_it_refuses():
    cfg = ModelConfig(name="tutorial-convnet", channels=(8, 16), batchnorm=True, dropout=0.5)
    net = create_model(cfg, input_shape=(1, 28, 28), n_classes=3)
    assert [m.out_channels for m in net.modules() if isinstance(m, nn.Conv2d)] == [8, 16]
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 2
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == 2
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 3)
    kaiming = create_model(ModelConfig(name="tutorial-convnet", init="kaiming"), input_shape=(3, 32, 32), n_classes=10)
    assert torch.all(kaiming.features[0].bias == 0)  # another init replaces the tutorial's
    with pytest.raises(ConfigError, match="model.hidden is not used by tutorial-convnet"):
        create_model(ModelConfig(name="tutorial-convnet", hidden=(128,)), input_shape=(3, 32, 32), n_classes=10)
    with pytest.raises(ConfigError, match="at least 8 px"):
        create_model(ModelConfig(name="tutorial-convnet"), input_shape=(3, 4, 4), n_classes=10)
