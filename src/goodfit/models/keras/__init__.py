"""Keras 3 models (torch backend) as goodfit models: :class:`KerasModule` wraps one for goodfit's loop,
checks and checkpoints; ``keras-mlp`` and ``keras:package.module:build`` are in :data:`goodfit.models.MODELS`.

Nothing here imports Keras until a Keras model is built (:func:`import_keras`): registering the models,
``import goodfit`` and ``goodfit --help`` stay fast. The Keras callback and the Keras side of the
checks are in :mod:`goodfit.keras`.
"""

from goodfit.models.keras.backend import import_keras, is_keras_model, is_keras_object
from goodfit.models.keras.builders import build_keras, keras_mlp, load_builder
from goodfit.models.keras.module import KerasModule, last_activation

__all__ = ["KerasModule", "build_keras", "import_keras", "is_keras_model", "is_keras_object", "keras_mlp",
           "last_activation", "load_builder"]
