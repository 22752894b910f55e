"""The draw-a-digit web app: ``goodfit serve RUN`` serves any trained image classifier (or an untrained
one, or a run as it trains), and :func:`draw` puts the same page into a Jupyter notebook.

Imported lazily, like :mod:`goodfit`, so that naming a helper does not pay for FastAPI. The image
preparation it shares with ``goodfit predict`` lives in :mod:`goodfit.data.images`.

Examples:
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
    "serve": "goodfit.serve.server",
    "Predictor": "goodfit.serve.predictor",
    "open_model": "goodfit.serve.sources",
    "Follower": "goodfit.serve.follow",
    "draw": "goodfit.serve.widget",
    "mnist_style": "goodfit.data.images",
    "center_of_mass": "goodfit.data.images",
    "image_style": "goodfit.data.images",
    "read_image": "goodfit.data.images",
    "to_model_input": "goodfit.data.images",
    "EmptyImageError": "goodfit.data.images",
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
