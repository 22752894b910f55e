"""What ``model.fit`` was called with, read by a callback from the call stack.

A Keras callback is told only the epochs and steps; the checks need the data, ``validation_split``,
``shuffle`` and what the script calls its arrays. :func:`read_fit_call` finds ``fit``'s frame (the
one whose ``self`` is the model) and reads its arguments, as Keras holds them when the callbacks
start: ``x`` and ``y`` are the training part and ``validation_data`` the validation part (the tail
``validation_split`` cut off, or what the script passed). Then it reads, in the script's own frames,
the names bound to the validation arrays (``x_test``), as ``goodfit watch`` reads loader names.
Only reading: nothing in the frames changes.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import torch

from goodfit.data.keras import unpack_xy

__all__ = ["FitCall", "read_fit_call", "names_of"]


@dataclass
class FitCall:
    """``model.fit``'s arguments as the callbacks see them (after ``validation_split`` has cut its tail)."""

    train: Any = None  # (x, y), a PyDataset or a DataLoader: what fit trains on
    validation_data: Any = None
    validation_split: float = 0.0
    split_used: bool = False  # validation_data is the tail that validation_split cut off train
    shuffle: bool | str = True
    batch_size: int | None = None
    epochs: int | None = None
    valid_names: frozenset[str] = field(default_factory=frozenset)


def read_fit_call(model: Any) -> FitCall | None:
    """The arguments of the ``model.fit`` call running ``model`` (None outside one)."""
    frame = inspect.currentframe()
    try:
        while frame is not None and not (frame.f_code.co_name == "fit" and frame.f_locals.get("self") is model):
            frame = frame.f_back
        if frame is None:
            return None
        args = dict(frame.f_locals)
        x, y, valid = args.get("x"), args.get("y"), args.get("validation_data")
        split = float(args.get("validation_split") or 0.0)
        val_x, _val_y = unpack_xy(valid)
        return FitCall(train=x if y is None else (x, y), validation_data=valid, validation_split=split,
                       split_used=bool(split) and valid is not None and _same_buffer(x, val_x),
                       shuffle=args.get("shuffle", True), batch_size=args.get("batch_size"), epochs=args.get("epochs"),
                       valid_names=names_of(val_x, _script_frame(frame)) if val_x is not None else frozenset())
    finally:
        del frame  # a frame held on to keeps every local of the stack alive


def _script_frame(frame: FrameType) -> FrameType | None:
    """The first frame above ``fit`` that is not Keras' own (its decorators): the script's call."""
    frame = frame.f_back
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("keras"):
        frame = frame.f_back
    return frame


def names_of(value: Any, frame: FrameType | None, depth: int = 30) -> frozenset[str]:
    """The names bound to ``value`` in ``frame`` and the frames that called it (locals, and each
    frame's module globals once)."""
    names: set[str] = set()
    seen_globals: set[int] = set()
    while frame is not None and depth > 0:
        scopes = [frame.f_locals]
        if id(frame.f_globals) not in seen_globals:
            seen_globals.add(id(frame.f_globals))
            scopes.append(frame.f_globals)
        names.update(name for scope in scopes for name, v in list(scope.items()) if v is value)
        frame, depth = frame.f_back, depth - 1
    return frozenset(n for n in names if not n.startswith("_"))


def _same_buffer(a: Any, b: Any) -> bool:
    """Two slices of one array (Keras' ``validation_split`` slices the arrays it was given)."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    base_a, base_b = getattr(a, "base", None), getattr(b, "base", None)
    return base_a is not None and base_a is base_b
