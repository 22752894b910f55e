"""Keras models for goodfit's registry: the course's MLP (``keras-mlp``) and your own builder
(``keras:package.module:build`` or ``keras:path/to/file.py:build``)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from goodfit.errors import ConfigError
from goodfit.models.keras.backend import import_keras, is_keras_model
from goodfit.models.keras.module import KerasModule

__all__ = ["keras_mlp", "load_builder", "build_keras"]

ACTIVATIONS = ("relu", "gelu", "silu", "tanh", "sigmoid", "leaky_relu", "elu")  # goodfit's, by Keras' names


def keras_mlp(input_shape: Sequence[int], n_outputs: int, *, hidden: Sequence[int] = (64, 64, 64),
              activation: str = "relu", dropout: float = 0.0, batchnorm: bool = False, l1: float = 0.0,
              l2: float = 0.0) -> Any:
    """The course's Keras MLP, uncompiled: ``Input → Flatten → [Dense(h, activation) → (Dropout)]* →
    Dense(n_outputs)`` (784-64-64-64-10 on MNIST), ending in logits; with ``batchnorm``,
    ``Dense → BatchNormalization → Activation``. ``l1`` / ``l2`` put ``kernel_regularizer=L1L2(l1, l2)``
    on every Dense layer: ``l1`` is goodfit's ``optim.l1`` (``l1 * sum(|w|)`` over the weights).

    Examples:
        >>> model = keras_mlp((1, 28, 28), 10)  # doctest: +SKIP
        >>> [layer.units for layer in model.layers if hasattr(layer, "units")]  # doctest: +SKIP
        [64, 64, 64, 10]
    """
    keras = import_keras()
    from keras import layers

    if activation not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    reg = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    stack: list[Any] = [keras.Input(shape=tuple(int(d) for d in input_shape)), layers.Flatten()]
    for width in hidden:
        if batchnorm:
            stack += [layers.Dense(width, use_bias=False, kernel_regularizer=reg), layers.BatchNormalization(),
                      layers.Activation(activation)]
        else:
            stack.append(layers.Dense(width, activation=activation, kernel_regularizer=reg))
        if dropout > 0:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(int(n_outputs), kernel_regularizer=reg))  # logits: the loss owns the softmax
    return keras.Sequential(stack, name="keras_mlp")


def load_builder(spec: str) -> Callable[..., Any]:
    """The function ``spec`` names: ``package.module:function`` (importable, or a module in the current
    folder) or ``path/to/file.py:function``."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr.isidentifier():
        raise ConfigError(f"model.name=keras:{spec} must name a function: keras:package.module:build "
                          "or keras:path/to/file.py:build")
    if module_name.endswith(".py"):
        module = _module_from_file(Path(module_name), spec)
    else:
        if "" not in sys.path and str(Path.cwd()) not in sys.path:  # `goodfit train` runs from a console script
            sys.path.insert(0, str(Path.cwd()))
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"model.name=keras:{spec}: cannot import {module_name} ({exc})") from None
    build = getattr(module, attr, None)
    if not callable(build):
        raise ConfigError(f"model.name=keras:{spec}: {module_name} has no function {attr}")
    return build


def _module_from_file(path: Path, spec: str) -> Any:
    if not path.is_file():
        raise ConfigError(f"model.name=keras:{spec}: {path} not found")
    loaded = importlib.util.spec_from_file_location(f"goodfit_keras_{path.stem}", path)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


def build_keras(spec: str, input_shape: Sequence[int], output_shape: Sequence[int]) -> KerasModule:
    """``keras:spec``: call the builder (with ``input_shape``, ``output_shape`` and ``n_outputs`` if it
    takes them) for an uncompiled Keras model, and wrap it for goodfit's loop."""
    import_keras()
    build = load_builder(spec)
    offered = {"input_shape": tuple(input_shape), "output_shape": tuple(output_shape),
               "n_outputs": math.prod(output_shape), "n_classes": math.prod(output_shape)}
    try:
        params = inspect.signature(build).parameters
    except (TypeError, ValueError):
        params = {}
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    model = build(**{k: v for k, v in offered.items() if takes_all or k in params})
    if not is_keras_model(model):
        raise ConfigError(f"model.name=keras:{spec} returned {type(model).__name__}, not a Keras model; "
                          "return keras.Sequential(...) or keras.Model(...), uncompiled")
    return KerasModule(model, input_shape=input_shape)
