"""The draw-a-digit web app: ``goodfit serve RUN`` serves any trained image classifier.

Imported lazily, like :mod:`goodfit`: ``goodfit.predict`` uses :mod:`goodfit.serve.preprocess`
without paying for FastAPI.

Example:
    >>> from goodfit.serve import image_style
    >>> image_style((1, 28, 28), "mnist")
    'mnist'
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS = {
    "create_app": "goodfit.serve.app",
    "serve": "goodfit.serve.app",
    "Predictor": "goodfit.serve.predictor",
    "mnist_style": "goodfit.serve.preprocess",
    "center_of_mass": "goodfit.serve.preprocess",
    "image_style": "goodfit.serve.preprocess",
    "read_image": "goodfit.serve.preprocess",
    "to_model_input": "goodfit.serve.preprocess",
    "EmptyImageError": "goodfit.serve.preprocess",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'goodfit.serve' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
