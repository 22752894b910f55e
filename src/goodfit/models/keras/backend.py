"""Importing Keras 3 on the torch backend, and telling a Keras model apart without importing it.

Keras reads its backend once, when it is first imported: goodfit sets ``KERAS_BACKEND=torch`` unless it
is already set, and refuses any other backend (goodfit trains, checks and reports torch modules; it
never needs TensorFlow). Importing Keras takes seconds, so nothing imports it until a Keras model is
built or a Keras callback is made.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

from goodfit.errors import ConfigError, MissingExtraError

__all__ = ["import_keras", "is_keras_model", "is_keras_object"]


def import_keras() -> ModuleType:
    """The ``keras`` module on the torch backend; a one-line error if it is missing or on another backend.

    Examples:
        >>> import_keras().backend.backend()  # doctest: +SKIP
        'torch'
    """
    wanted = os.environ.setdefault("KERAS_BACKEND", "torch")
    if wanted != "torch" and "keras" not in sys.modules:
        raise ConfigError(f"goodfit runs Keras on the torch backend, but KERAS_BACKEND={wanted}; "
                          "set KERAS_BACKEND=torch (or unset it) before Keras is imported")
    try:
        import keras
    except ImportError as exc:
        raise MissingExtraError(f"Keras models need keras 3 ({exc}): pip install 'goodfit[keras]'") from None
    version = getattr(keras, "__version__", "0")
    if int(version.split(".")[0]) < 3:
        raise MissingExtraError(f"goodfit needs Keras 3, found keras {version}: pip install 'goodfit[keras]'")
    backend = keras.backend.backend()
    if backend != "torch":
        raise ConfigError(f"Keras was imported with the {backend} backend; goodfit needs KERAS_BACKEND=torch, "
                          "set before the first 'import keras'")
    return keras


def is_keras_object(obj: Any, class_name: str) -> bool:
    """Whether ``obj`` is an instance of a Keras class named ``class_name`` (``Model``, ``PyDataset``,
    ``Loss``...), without importing Keras: an object of a Keras class means Keras is imported already."""
    return any(c.__name__ == class_name and c.__module__.startswith("keras") for c in type(obj).__mro__)


def is_keras_model(obj: Any) -> bool:
    """Whether ``obj`` is a Keras model (or layer) that goodfit can wrap (:class:`~goodfit.models.keras.KerasModule`).

    Examples:
        >>> import torch
        >>> is_keras_model(torch.nn.Linear(2, 2))
        False
    """
    return "keras" in sys.modules and is_keras_object(obj, "Layer")
