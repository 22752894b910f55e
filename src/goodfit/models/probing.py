"""Which layers the checks and monitors look into, and what each applies: torch's modules, and the
layers of a Keras model (:class:`~goodfit.models.keras.KerasModule`), whose activations live inside
``Dense(activation=...)`` rather than in modules of their own."""

from __future__ import annotations

from torch import nn

from goodfit.models.keras.backend import is_keras_object

__all__ = ["probe_layers", "activation_of", "is_weighted"]

_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d)


def probe_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers whose outputs are watched, with their names: the modules without children, or the
    layers a model names itself (``probe_layers()``, as :class:`~goodfit.models.keras.KerasModule` does).

    Examples:
        >>> [name for name, _ in probe_layers(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))]
        ['0', '1']
    """
    own = getattr(model, "probe_layers", None)
    if callable(own):
        return own()
    return [(name, m) for name, m in model.named_modules() if not list(m.children())]


def activation_of(module: nn.Module) -> str | None:
    """``relu``, ``tanh`` or ``sigmoid`` when ``module``'s output is that activation's (a torch activation
    module, or a Keras layer ending in it); None otherwise.

    Examples:
        >>> activation_of(nn.ReLU6()), activation_of(nn.Linear(2, 2))
        ('relu', None)
    """
    module = getattr(module, "keras_layer", module)  # KerasModule's direct path: the Keras layer it calls
    if isinstance(module, (nn.ReLU, nn.ReLU6)):
        return "relu"
    if isinstance(module, nn.Tanh):
        return "tanh"
    if isinstance(module, nn.Sigmoid):
        return "sigmoid"
    if not is_keras_object(module, "Layer"):
        return None
    if type(module).__name__ == "ReLU":
        return "relu"
    name = getattr(getattr(module, "activation", None), "__name__", None)
    return name if name in ("relu", "tanh", "sigmoid") else None


def is_weighted(module: nn.Module) -> bool:
    """A fully connected or convolutional layer (torch's, or a Keras layer with a ``kernel``)."""
    module = getattr(module, "keras_layer", module)
    return isinstance(module, _WEIGHTED) or (is_keras_object(module, "Layer") and hasattr(module, "kernel"))
