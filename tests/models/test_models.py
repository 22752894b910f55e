"""Contract tests over every registered model."""

import pytest
import torch

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError
from goodfit.models import MODELS, create_model

SHAPES = [(1, 28, 28), (3, 32, 32)]


@pytest.mark.parametrize("name", [e.name for e in MODELS if not e.takes_argument])  # keras:PATH: tests/keras
@pytest.mark.parametrize("shape", SHAPES)
def test_models_return_logits(name, shape):
    torch.manual_seed(0)
    model = create_model(ModelConfig(name=name), input_shape=shape, n_classes=7)
    model.eval()
    out = model(torch.randn(3, *shape))
    assert out.shape == (3, 7)
    # logits, not probabilities: the loss owns the softmax
    assert not torch.allclose(out.softmax(1).sum(1), out.sum(1), atol=1e-3)
    assert not isinstance(list(model.modules())[-1], (torch.nn.Softmax, torch.nn.LogSoftmax))


def test_course_mlp_architecture():
    model = create_model(ModelConfig(), input_shape=(1, 28, 28), n_classes=10)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 64), (64, 64), (64, 64), (64, 10)]


def test_mlp_options():
    cfg = ModelConfig(hidden=(32,), activation="tanh", dropout=0.5, batchnorm=True)
    model = create_model(cfg, input_shape=(5,), n_classes=3)
    kinds = [type(m).__name__ for m in model.net]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]


def test_bad_model_inputs():
    with pytest.raises(ConfigError, match="unknown activation"):
        create_model(ModelConfig(activation="swish2"), input_shape=(4,), n_classes=2)
    with pytest.raises(ConfigError, match="convnet needs"):
        create_model(ModelConfig(name="convnet"), input_shape=(4,), n_classes=2)
    with pytest.raises(Exception, match="unknown model 'mpl'.*Did you mean 'mlp'"):
        create_model(ModelConfig(name="mpl"), input_shape=(4,), n_classes=2)
