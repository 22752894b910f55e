"""Models: an explicit registry. Every model maps ``(B, *input_shape)`` inputs to ``(B, C)`` logits.

Example:
    >>> from goodfit.models import create_model
    >>> from goodfit.config import ModelConfig
    >>> model = create_model(ModelConfig(name="mlp"), input_shape=(1, 28, 28), n_classes=10)
    >>> sum(p.numel() for p in model.parameters())
    59210
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError
from goodfit.models.analog_mlp import AnalogMLP
from goodfit.models.convnet import ConvNet
from goodfit.models.mlp import MLP
from goodfit.models.resnet import resnet18_small
from goodfit.registry import Registry

__all__ = ["MODELS", "MLP", "AnalogMLP", "ConvNet", "create_model", "resnet18_small"]


def _mlp(cfg: ModelConfig, input_shape: Sequence[int], n_classes: int) -> nn.Module:
    return MLP(input_shape, n_classes, hidden=cfg.hidden, activation=cfg.activation,
               dropout=cfg.dropout, batchnorm=cfg.batchnorm)


def _convnet(cfg: ModelConfig, input_shape: Sequence[int], n_classes: int) -> nn.Module:
    if len(input_shape) != 3 or min(input_shape[1:]) < 2 ** len(cfg.channels):
        raise ConfigError(
            f"convnet needs (C, H, W) images of at least {2 ** len(cfg.channels)} px; got {tuple(input_shape)}"
            " (use model.name=mlp for tables)"
        )
    return ConvNet(input_shape, n_classes, channels=cfg.channels, activation=cfg.activation, dropout=cfg.dropout)


def _resnet18(cfg: ModelConfig, input_shape: Sequence[int], n_classes: int) -> nn.Module:
    if len(input_shape) != 3:
        raise ConfigError(f"resnet18 needs (C, H, W) images; got input shape {tuple(input_shape)}")
    return resnet18_small(input_shape, n_classes)


def _analog_mlp(cfg: ModelConfig, input_shape: Sequence[int], n_classes: int) -> nn.Module:
    if cfg.hidden != ModelConfig().hidden:  # its sizes live beside the chip's other settings
        raise ConfigError(f"analog-mlp takes its layer sizes from model.analog.hidden (default 256,256), "
                          f"not model.hidden={','.join(map(str, cfg.hidden))}; set model.analog.hidden")
    return AnalogMLP(input_shape, n_classes, config=cfg.analog)


MODELS: Registry[nn.Module] = Registry("model")
MODELS.add("mlp", _mlp, "multi-layer perceptron; model.hidden, activation, dropout, batchnorm")
MODELS.add("convnet", _convnet, "small VGG-style CNN with batch norm; model.channels, dropout")
MODELS.add("resnet18", _resnet18, "torchvision ResNet-18 with a small-image stem")
MODELS.add("analog-mlp", _analog_mlp, "784-256-256-10 on a mock BrainScaleS-2 analog chip; model.analog.*")


def create_model(cfg: ModelConfig, *, input_shape: Sequence[int], n_classes: int) -> nn.Module:
    """Build the registered model named ``cfg.name`` for this input shape and class count."""
    return MODELS.create(cfg.name, cfg, tuple(input_shape), n_classes)
