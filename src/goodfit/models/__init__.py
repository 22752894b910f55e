"""Models: an explicit registry. Every model maps ``(B, *input_shape)`` inputs to ``(B, *output_shape)``
outputs: ``(B, C)`` logits for C classes, ``(B, 1)`` for a binary logit, ``(B, K)`` for K regression
targets, or the input's own shape for reconstruction and denoising (the task says which). The loss
owns any softmax or sigmoid.

Examples:
    >>> from goodfit.models import create_model
    >>> from goodfit.config import ModelConfig
    >>> model = create_model(ModelConfig(name="mlp"), input_shape=(1, 28, 28), output_shape=(10,))
    >>> sum(p.numel() for p in model.parameters())
    59210
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError
from goodfit.models.analog.mlp import AnalogMLP
from goodfit.models.convnet import ConvNet
from goodfit.models.mlp import MLP
from goodfit.models.resnet import resnet18_small
from goodfit.registry import Registry

__all__ = ["MODELS", "MLP", "AnalogMLP", "ConvNet", "create_model", "resnet18_small"]


def _mlp(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    return MLP(input_shape, output_shape, hidden=cfg.hidden, activation=cfg.activation,
               dropout=cfg.dropout, batchnorm=cfg.batchnorm)


def _vector(name: str, output_shape: tuple[int, ...]) -> int:
    """The output size of a model that ends in one vector per sample; arrays need another model."""
    if len(output_shape) != 1:
        raise ConfigError(f"{name} outputs one vector per sample, not an array shaped {output_shape} "
                          "(data.task=reconstruction/denoising); use model.name=mlp")
    return output_shape[0]


def _convnet(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    if len(input_shape) != 3 or min(input_shape[1:]) < 2 ** len(cfg.channels):
        raise ConfigError(
            f"convnet needs (C, H, W) images of at least {2 ** len(cfg.channels)} px; got {tuple(input_shape)}"
            " (use model.name=mlp for tables)"
        )
    return ConvNet(input_shape, _vector("convnet", output_shape), channels=cfg.channels, activation=cfg.activation,
                   dropout=cfg.dropout)


def _resnet18(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    if len(input_shape) != 3:
        raise ConfigError(f"resnet18 needs (C, H, W) images; got input shape {tuple(input_shape)}")
    return resnet18_small(input_shape, _vector("resnet18", output_shape))


def _keras_mlp(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    from goodfit.models.keras import KerasModule, keras_mlp  # imports Keras only now: seconds

    model = keras_mlp(input_shape, _vector("keras-mlp", output_shape), hidden=cfg.hidden, activation=cfg.activation,
                      dropout=cfg.dropout, batchnorm=cfg.batchnorm)
    return KerasModule(model, input_shape=input_shape)


def _keras(spec: str, cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    from goodfit.models.keras import build_keras

    return build_keras(spec, input_shape, output_shape)


def _analog_mlp(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    if cfg.hidden != ModelConfig().hidden:  # its sizes live beside the chip's other settings
        raise ConfigError(f"analog-mlp takes its layer sizes from model.analog.hidden (default 256,256), "
                          f"not model.hidden={','.join(map(str, cfg.hidden))}; set model.analog.hidden")
    return AnalogMLP(input_shape, _vector("analog-mlp", output_shape), config=cfg.analog)


MODELS: Registry[nn.Module] = Registry("model")
MODELS.add("mlp", _mlp, "multi-layer perceptron, any output shape; model.hidden, activation, dropout, batchnorm")
MODELS.add("convnet", _convnet, "small VGG-style CNN with batch norm; model.channels, dropout")
MODELS.add("resnet18", _resnet18, "torchvision ResNet-18 with a small-image stem")
MODELS.add("analog-mlp", _analog_mlp, "784-256-256-10 on a mock BrainScaleS-2 analog chip; model.analog.*")
MODELS.add("keras-mlp", _keras_mlp, "the course MLP as a Keras 3 Sequential (goodfit[keras]); model.hidden, "
           "activation, dropout, batchnorm; optim.l1 = kernel_regularizer L1")
MODELS.add("keras", _keras, "your Keras model: keras:package.module:build, a function returning it uncompiled",
           takes_argument=True)


def create_model(cfg: ModelConfig, *, input_shape: Sequence[int], output_shape: Sequence[int] | None = None,
                 n_classes: int | None = None) -> nn.Module:
    """Build the registered model named ``cfg.name`` for this input shape and output shape per sample
    (``n_classes=C`` is short for ``output_shape=(C,)``)."""
    if (output_shape is None) == (n_classes is None):
        raise TypeError("create_model needs output_shape or n_classes (one of them)")
    shape = (int(n_classes),) if output_shape is None else tuple(int(d) for d in output_shape)
    return MODELS.create(cfg.name, cfg, tuple(input_shape), shape)
