"""Keras side by side: Keras 3 models (torch backend, no TensorFlow) under goodfit's checks, loop and reports.

Install with ``pip install 'goodfit[keras]'``; Keras runs on torch (``KERAS_BACKEND=torch``, set by
goodfit if unset, before Keras is imported).

- :class:`GoodfitCallback` for ``model.fit(...)``: the pitfall lint before the first batch, the
  training monitors, the learning-curve diagnosis and a goodfit run folder with its report;
- :func:`check`: the lint on ``model.fit``'s own arguments, before fitting (``goodfit.check`` takes
  Keras models too);
- goodfit's own loop trains Keras models: ``goodfit train --model keras-mlp`` (the course's MLP) or
  ``--model keras:package.module:build`` (:class:`~goodfit.models.keras.KerasModule`).

Importing this package does not import Keras; :class:`GoodfitCallback` does (it is a Keras callback).

Examples:
    >>> from goodfit.keras import GoodfitCallback  # doctest: +SKIP
    >>> model.fit(x, y, epochs=10, validation_split=0.1, callbacks=[GoodfitCallback()])  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from goodfit.findings import Finding
from goodfit.models.keras import KerasModule, import_keras, keras_mlp

__all__ = ["GoodfitCallback", "KerasModule", "check", "import_keras", "keras_mlp"]


def check(model: Any, x: Any = None, y: Any = None, *, batch_size: int | None = None, validation_split: float = 0.0,
          validation_data: Any = None, shuffle: bool | str = True, test_data: Any = None) -> list[Finding]:
    """The pitfall lint on a compiled Keras model and ``model.fit``'s arguments, before fitting.

    Takes what ``model.fit`` takes (arrays, an ``(x, y)`` tuple or a ``keras.utils.PyDataset`` as ``x``),
    and ``test_data``, the test set, to be told apart from the validation data.

    Examples:
        >>> goodfit.keras.check(model, x_train, y_train, validation_split=0.1)  # doctest: +SKIP
        [Finding(id='validation-split-tail', severity='error', ...)]
    """
    from goodfit.checks.keras_rules import keras_context
    from goodfit.checks.lint import run_lint
    from goodfit.data.keras import unpack_xy
    from goodfit.keras.fitcall import names_of

    frame = inspect.currentframe()
    try:
        val_x = unpack_xy(validation_data)[0] if validation_data is not None else None
        names = names_of(val_x, frame.f_back) if val_x is not None else frozenset()
    finally:
        del frame
    ctx = keras_context(model, x if y is None else (x, y), validation_data=validation_data,
                        validation_split=validation_split, shuffle=shuffle, batch_size=batch_size, test_data=test_data,
                        valid_names=names)
    return run_lint(ctx)


def __getattr__(name: str) -> Any:
    if name == "GoodfitCallback":  # a Keras class: defining it imports Keras
        from goodfit.keras.callback import GoodfitCallback

        return GoodfitCallback
    raise AttributeError(f"module 'goodfit.keras' has no attribute {name!r}")


if TYPE_CHECKING:  # pragma: no cover
    from goodfit.keras.callback import GoodfitCallback  # noqa: F401
