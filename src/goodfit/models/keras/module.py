"""A Keras 3 model as a plain torch module: what goodfit's loop, checks, monitors and checkpoints see.

On the torch backend a Keras model already is a ``torch.nn.Module``, but three things differ from
the modules goodfit trains: its layers read ``training=`` rather than ``module.train()`` (dropout and
batch norm would stay in inference mode in a torch loop), its parameter names carry layer names that
Keras numbers per process (``dense_4/kernel``: a checkpoint would not load into a model built again),
and its regularizers live in ``model.losses``. :class:`KerasModule` bridges the three and holds the
very tensors Keras holds, so training it trains the Keras model.
"""

from __future__ import annotations

import copy
import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import nn

from goodfit.errors import ConfigError
from goodfit.models.keras.backend import import_keras, is_keras_model

__all__ = ["KerasModule", "last_activation"]

EPS = 1e-7  # Keras' epsilon: probabilities are clipped to [EPS, 1 - EPS] before their log


# layers whose call() is all a Sequential of them needs: called directly, without Keras' __call__ bookkeeping
DIRECT = frozenset({"Dense", "Flatten", "Dropout", "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU",
                    "Softmax", "Reshape", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
                    "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
                    "LayerNormalization", "Rescaling", "Identity"})


class _Variables(nn.Module):
    """Variables of the model outside its layers, registered under their Keras names."""


class _Layer(nn.Module):
    """One Keras layer: its variables under their Keras names (``kernel``, ``bias``, ``gamma``...), and its
    ``call`` with ``training=self.training`` (the direct path of a plain Sequential)."""

    def __init__(self, layer: Any) -> None:
        super().__init__()
        self.__dict__["keras_layer"] = layer
        self.__dict__["_training_arg"] = "training" in inspect.signature(layer.call).parameters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.keras_layer
        return layer.call(x, training=self.training) if self._training_arg else layer.call(x)


class KerasModule(nn.Module):
    """A Keras model trained, evaluated and checkpointed as a torch module (Keras 3, torch backend).

    - ``forward(x)`` calls the Keras model with ``training=self.training``: ``module.train()`` and
      ``module.eval()`` switch dropout and batch norm as ``model.fit`` and ``model.predict`` do;
    - its parameters are the Keras variables' own tensors, named ``layers.<i>.<variable>`` (layer
      ``i`` of ``model.layers``): a checkpoint loads into the same architecture built again;
    - ``outputs="probabilities"``: the model ends in a softmax (or one sigmoid unit) for a loss with
      ``from_logits=False``; its outputs are returned as logits (``log p``), which goodfit's losses take;
    - inputs shaped other than the model expects but of the same size (``(1, 28, 28)`` images for an
      ``Input((784,))`` model) are reshaped, and channels-first images are made channels-last;
    - :attr:`keras_losses` adds the model's own regularizers (``kernel_regularizer``...) to the loss, as
      ``model.fit`` does;
    - a Sequential of plain layers (Dense, Dropout, BatchNormalization, Conv2D...: :data:`DIRECT`) runs
      each layer's own ``call`` in turn, without the bookkeeping of Keras' ``__call__`` around every
      layer; any other model is called whole.

    Examples:
        >>> import keras  # doctest: +SKIP
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])  # doctest: +SKIP
        >>> [name for name, _ in KerasModule(model).named_parameters()]  # doctest: +SKIP
        ['layers.0.kernel', 'layers.0.bias']
    """

    def __init__(self, model: Any, *, input_shape: Sequence[int] | None = None,
                 outputs: Literal["logits", "probabilities"] = "logits") -> None:
        super().__init__()
        if not is_keras_model(model):
            raise ConfigError(f"KerasModule wraps a Keras model, not {type(model).__name__}")
        if outputs not in ("logits", "probabilities"):
            raise ConfigError(f"outputs={outputs!r}: choose logits or probabilities")
        keras = import_keras()
        if not model.built:
            _build(model, input_shape)
        self.__dict__["keras_model"] = model  # not a submodule: torch would name its tensors after Keras' layers
        self.__dict__["_device_scope"] = keras.device
        self.outputs = outputs
        self.layers = nn.ModuleList(_Layer(layer) for layer in model.layers)
        seen: set[int] = set()
        for held, layer in zip(self.layers, model.layers):
            _register(held, layer.weights, seen)
        self.rest = _Variables()  # variables of the model itself, outside its layers
        _register(self.rest, model.weights, seen)
        self.expects = _input_shape(model)  # (784,), (28, 28, 1)...; None when unknown
        self.direct = _direct(model)  # call the layers one after the other: the same layers, a fraction of the time
        self.keras_losses: Callable[[], torch.Tensor] | None = self._regularization if _regularized(model) else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, *input_shape) -> (B, *output_shape)
        x = self._fit_input(x)
        with self._device_scope(x.device.type):  # Keras puts inputs on its own default device otherwise
            if self.direct:
                out = x.float() if x.is_floating_point() else x  # what Keras' __call__ casts inputs to
                for layer in self.layers:
                    out = layer(out)
            else:
                out = self.keras_model(x, training=self.training)
        if self.outputs == "probabilities":
            if out.ndim == 2 and out.shape[1] == 1:  # one sigmoid unit: its logit
                p = out.clamp(EPS, 1 - EPS)
                return torch.log(p) - torch.log1p(-p)
            return torch.log(out.clamp(EPS, 1.0))
        return out

    def _fit_input(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` in the shape the Keras model was built for, when it differs only in layout."""
        want = self.expects
        if want is None or tuple(x.shape[1:]) == want or any(d is None for d in want):
            return x
        if x.ndim == 4 and len(want) == 3 and tuple(x.shape[2:]) + (x.shape[1],) == want:
            return x.permute(0, 2, 3, 1)  # (B, C, H, W) -> (B, H, W, C): Keras images are channels-last
        if math.prod(x.shape[1:]) == math.prod(want):
            return x.reshape(len(x), *want)
        return x

    def _regularization(self) -> torch.Tensor:
        """The Keras model's own losses (weight and activity regularizers), summed: a scalar tensor."""
        losses = self.keras_model.losses
        return torch.stack([torch.as_tensor(v).reshape(()) for v in losses]).sum() if losses else torch.zeros(())

    def __deepcopy__(self, memo: dict[int, Any]) -> KerasModule:
        """A copy around a copy of the Keras model (copying the module's dictionary would leave the copied
        parameters apart from the tensors the copied Keras model computes with)."""
        keras = import_keras()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Keras' own np.array(tensor) under NumPy 2
            try:
                twin = keras.models.clone_model(self.keras_model)  # new layers, new variables
            except Exception:  # a subclassed model without get_config: Keras' deep copy (through its saving code)
                warnings.simplefilter("ignore")
                twin = copy.deepcopy(self.keras_model, memo)
        clone = KerasModule(twin, outputs=self.outputs)
        first = next(self.parameters(), None)
        if first is not None:
            clone.to(first.device)
        clone.load_state_dict(self.state_dict())
        return clone.train(self.training)

    def probe_layers(self) -> list[tuple[str, nn.Module]]:
        """The layers whose outputs the checks and monitors look at, named like their parameters: the
        torch modules that call them on the direct path, else the Keras layers (torch modules too)."""
        if self.direct:
            return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.keras_model.layers)]

    def extra_repr(self) -> str:
        return f"{type(self.keras_model).__name__} {self.keras_model.name!r}, outputs={self.outputs}"


def _register(held: nn.Module, variables: Sequence[Any], seen: set[int]) -> None:
    for j, var in enumerate(variables):
        tensor = getattr(var, "value", None)
        if not isinstance(tensor, nn.Parameter) or id(tensor) in seen:
            continue
        seen.add(id(tensor))
        name = str(getattr(var, "name", f"w{j}")).replace(".", "_").replace("/", "_")
        if hasattr(held, name):  # a second "kernel" in a layer made of layers
            name = f"{name}_{j}"
        held.register_parameter(name, tensor)


def _direct(model: Any) -> bool:
    """A Sequential of plain float32 layers (:data:`DIRECT`), none with an activity regularizer: its
    forward pass is each layer's ``call`` in turn. Keras' ``__call__`` adds, per layer, bookkeeping
    that costs more than the layer's arithmetic on a small model (dtype policies, input specs, masks,
    name scopes, the training flag it passes on), none of which such a model uses."""
    if type(model).__name__ != "Sequential" or not model.layers:
        return False
    return all(type(layer).__name__ in DIRECT and getattr(layer, "activity_regularizer", None) is None
               and getattr(getattr(layer, "dtype_policy", None), "compute_dtype", "float32") == "float32"
               for layer in model.layers)


def _build(model: Any, input_shape: Sequence[int] | None) -> None:
    """Create the variables of a model given without ``keras.Input``, from the data's input shape."""
    if input_shape is None:
        raise ConfigError(f"the Keras model {model.name!r} is not built yet; start it with keras.Input(shape=...)")
    try:
        model.build((None, *input_shape))
    except Exception as exc:  # the user's model: say which shape it was built for
        raise ConfigError(f"the Keras model {model.name!r} could not be built for inputs shaped {tuple(input_shape)} "
                          f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                          "start it with keras.Input(shape=...)") from None


def _input_shape(model: Any) -> tuple[int | None, ...] | None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):  # a subclassed model: no symbolic inputs
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape[1:])


def _regularized(model: Any) -> bool:
    """Whether the model has regularizers (on weights or activities): then :attr:`KerasModule.keras_losses`."""
    if any(getattr(v, "regularizer", None) is not None for v in model.trainable_weights):
        return True
    stack = list(model.layers)
    while stack:
        layer = stack.pop()
        if getattr(layer, "activity_regularizer", None) is not None:
            return True
        stack += list(getattr(layer, "layers", []) or [])
    return False


def last_activation(model: Any) -> str | None:
    """The name of what a Keras model applies last (``softmax``, ``sigmoid``, ``linear``, ``relu``...), or
    None when its last layer is not a plain layer (a nested model, a custom layer)."""
    layers = getattr(model, "layers", None)
    if not layers:
        return None
    kind = type(layers[-1]).__name__
    if kind in ("Softmax", "ReLU", "LeakyReLU", "ELU", "PReLU"):  # activation layers of their own
        return kind.lower()
    return getattr(getattr(layers[-1], "activation", None), "__name__", None)
