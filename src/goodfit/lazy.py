"""Packages whose public names load on first use (PEP 562).

A package's ``__init__`` that imports all of its modules makes every import of one of them pay for all:
``goodfit.data.scaling`` would load each data set's loader, YAML and the config schema. With
:func:`lazy_exports` the package lists where each public name lives, and a name is imported when it is
first used (``from goodfit.data import load_dataset``), so ``goodfit watch`` and the command line start
with what they use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, where: Mapping[str, Sequence[str]]) -> tuple[
        Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names live in the modules
    ``where`` maps to them. The package keeps a literal ``__all__`` (and, for type checkers and the API
    reference, its imports under ``if TYPE_CHECKING:``). A name is kept as a plain attribute once
    imported; an unknown one raises AttributeError, so ``from package import submodule`` still works.

    Examples:
        >>> getattr_, _dir = lazy_exports("goodfit", {"goodfit.run": ("RunDir",)})
        >>> getattr_("RunDir").__name__
        'RunDir'
    """
    if any(isinstance(names, str) for names in where.values()):
        raise TypeError(f"{package}: give each module a tuple of names, ('name',), not a string")
    exports = {name: module for module, names in where.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
