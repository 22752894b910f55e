"""The registry of models, the ``model.*`` options each one takes, and :func:`create_model`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from torch import nn

from goodfit.config import ModelConfig
from goodfit.errors import ConfigError
from goodfit.models.analog.mlp import AnalogMLP
from goodfit.models.convnet import CONVNET_CHANNELS, ConvNet
from goodfit.models.fastnet import FASTNET_WIDTHS, FastNet
from goodfit.models.init import init_weights
from goodfit.models.mlp import MLP
from goodfit.models.resnet import resnet18_small
from goodfit.models.tutorial import TUTORIAL_CHANNELS, TutorialConvNet
from goodfit.registry import Registry

__all__ = ["MODELS", "MODEL_OPTIONS", "check_model_options", "model_options", "create_model"]


def _mlp(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    return MLP(input_shape, output_shape, hidden=cfg.hidden, activation=cfg.activation or "relu",
               dropout=cfg.dropout, batchnorm=bool(cfg.batchnorm))


def _vector(name: str, output_shape: tuple[int, ...]) -> int:
    """The output size of a model that ends in one vector per sample; arrays need another model."""
    if len(output_shape) != 1:
        raise ConfigError(f"{name} outputs one vector per sample, not an array shaped {output_shape} "
                          "(data.task=reconstruction/denoising); use model.name=mlp")
    return output_shape[0]


def _images(name: str, input_shape: Sequence[int], stages: int) -> None:
    """A CNN halving the image ``stages`` times needs (C, H, W) images of at least 2**stages pixels."""
    if len(input_shape) != 3 or min(input_shape[1:]) < 2 ** stages:
        raise ConfigError(f"{name} needs (C, H, W) images of at least {2 ** stages} px; got {tuple(input_shape)}"
                          " (use model.name=mlp for tables)")


def _convnet(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    channels = cfg.channels or CONVNET_CHANNELS
    _images("convnet", input_shape, len(channels))
    return ConvNet(input_shape, _vector("convnet", output_shape), channels=channels,
                   activation=cfg.activation or "relu", dropout=cfg.dropout, batchnorm=cfg.batchnorm is not False)


def _fastnet(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    widths = cfg.channels or FASTNET_WIDTHS
    _images("fastnet", input_shape, len(widths))
    return FastNet(input_shape, _vector("fastnet", output_shape), widths=widths,
                   activation=cfg.activation or "gelu", whiten=cfg.whiten, bn_momentum=cfg.bn_momentum,
                   bn_fixed_scale=cfg.bn_fixed_scale)


def _tutorial_convnet(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    channels = cfg.channels or TUTORIAL_CHANNELS
    _images("tutorial-convnet", input_shape, len(channels))
    return TutorialConvNet(input_shape, _vector("tutorial-convnet", output_shape), channels=channels,
                           dropout=cfg.dropout, batchnorm=bool(cfg.batchnorm))


def _resnet18(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    if len(input_shape) != 3:
        raise ConfigError(f"resnet18 needs (C, H, W) images; got input shape {tuple(input_shape)}")
    return resnet18_small(input_shape, _vector("resnet18", output_shape))


def _keras_mlp(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    from goodfit.models.keras import KerasModule, keras_mlp  # imports Keras only now: seconds

    model = keras_mlp(input_shape, _vector("keras-mlp", output_shape), hidden=cfg.hidden,
                      activation=cfg.activation or "relu", dropout=cfg.dropout, batchnorm=bool(cfg.batchnorm))
    return KerasModule(model, input_shape=input_shape)


def _keras(spec: str, cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    from goodfit.models.keras import build_keras

    return build_keras(spec, input_shape, output_shape)


def _analog_mlp(cfg: ModelConfig, input_shape: Sequence[int], output_shape: tuple[int, ...]) -> nn.Module:
    return AnalogMLP(input_shape, _vector("analog-mlp", output_shape), config=cfg.analog)


MODELS: Registry[nn.Module] = Registry("model")
MODELS.add("mlp", _mlp, "multi-layer perceptron, any output shape; model.hidden, activation, dropout, batchnorm")
MODELS.add("convnet", _convnet, "small VGG-style CNN with batch norm; model.channels, dropout, batchnorm")
MODELS.add("fastnet", _fastnet, "airbench-style CIFAR net, fast on CPU too: 2x2 stem, conv-pool-BN-GELU blocks "
           "64,256,256; model.channels, activation (gelu), whiten, bn_momentum, bn_fixed_scale")
MODELS.add("tutorial-convnet", _tutorial_convnet, "the CIFAR-10 tutorial's ConvNet: conv-ReLU-pool 32,64,128, "
           "a 256-unit layer, Xavier init, biases 0.01; model.channels, dropout, batchnorm (off)")
MODELS.add("resnet18", _resnet18, "torchvision ResNet-18 with a small-image stem")
MODELS.add("analog-mlp", _analog_mlp, "784-256-256-10 on a mock BrainScaleS-2 analog chip; model.analog.*")
MODELS.add("keras-mlp", _keras_mlp, "the course MLP as a Keras 3 Sequential (goodfit[keras]); model.hidden, "
           "activation, dropout, batchnorm; optim.l1 = kernel_regularizer L1")
MODELS.add("keras", _keras, "your Keras model: keras:package.module:build, a function returning it uncompiled",
           takes_argument=True)

_INIT = ("init", "init_bias")  # every PyTorch model with linear / conv layers takes these
# the model.* options each model uses; any other one set to a non-default value is an error, not ignored
MODEL_OPTIONS: dict[str, tuple[str, ...]] = {
    "mlp": ("hidden", "activation", "dropout", "batchnorm", *_INIT),
    "convnet": ("channels", "activation", "dropout", "batchnorm", *_INIT),
    "fastnet": ("channels", "activation", "whiten", "bn_momentum", "bn_fixed_scale", *_INIT),
    "tutorial-convnet": ("channels", "dropout", "batchnorm", *_INIT),
    "resnet18": _INIT,
    "analog-mlp": ("analog",),
    "keras-mlp": ("hidden", "activation", "dropout", "batchnorm"),
    "keras": (),
}
_WHY_NOT = {  # a hint where the option a user reached for lives
    ("analog-mlp", "hidden"): "its layer sizes are model.analog.hidden (default 256,256)",
    ("analog-mlp", "init"): "its weights start at the chip's full scale",
    ("keras-mlp", "init"): "Keras layers bring their own initializers",
}


def model_options(name: str) -> tuple[str, ...]:
    """The ``model.*`` options the model registered as ``name`` (``keras:...`` included) uses."""
    return MODEL_OPTIONS.get(MODELS.get(name)[0].name, ())


def check_model_options(cfg: ModelConfig) -> None:
    """Raise one :class:`ConfigError` for a ``model.*`` option that ``cfg.name``'s model would ignore.

    Examples:
        >>> check_model_options(ModelConfig(name="convnet", hidden=(128,)))
        Traceback (most recent call last):
        goodfit.errors.ConfigError: model.hidden is not used by convnet (it takes model.channels, activation, ...
    """
    entry, _ = MODELS.get(cfg.name)
    used = model_options(cfg.name)
    default = ModelConfig()
    for f in fields(ModelConfig):
        if f.name == "name" or f.name in used or getattr(cfg, f.name) == getattr(default, f.name):
            continue
        why = _WHY_NOT.get((entry.name, f.name.split("_")[0]))
        takes = f"it takes model.{', '.join(used)}" if used else "it takes no model.* options"
        raise ConfigError(f"model.{f.name} is not used by {entry.name} ({why or takes}); leave it out"
                          + (" or choose another model" if not why else ""))


def create_model(cfg: ModelConfig, *, input_shape: Sequence[int], output_shape: Sequence[int] | None = None,
                 n_classes: int | None = None) -> nn.Module:
    """Build the registered model named ``cfg.name`` for this input shape and output shape per sample
    (``n_classes=C`` is short for ``output_shape=(C,)``)."""
    if (output_shape is None) == (n_classes is None):
        raise TypeError("create_model needs output_shape or n_classes (one of them)")
    shape = (int(n_classes),) if output_shape is None else tuple(int(d) for d in output_shape)
    check_model_options(cfg)
    model = MODELS.create(cfg.name, cfg, tuple(input_shape), shape)
    if cfg.init != "default" or cfg.init_bias is not None:
        init_weights(model, cfg.init, bias=cfg.init_bias, activation=cfg.activation or "relu")
    return model
