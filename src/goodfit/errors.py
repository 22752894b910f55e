"""User errors. Each carries a one-line message naming the bad value and what to do instead.

The CLI prints ``GoodfitError`` messages on one line and exits with status 2; any other exception
is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "GoodfitError",
    "ConfigError",
    "DataError",
    "RunDirError",
    "UnknownNameError",
    "TrainingError",
    "CheckError",
    "LaunchError",
    "MissingExtraError",
    "require",
]


class GoodfitError(Exception):
    """Base class of every error caused by user input rather than by a bug in goodfit."""


class ConfigError(GoodfitError, ValueError):
    """A config value or a ``key=value`` override is invalid."""


class DataError(GoodfitError):
    """A data set is missing, corrupt, or not in the expected layout."""


class RunDirError(GoodfitError):
    """A run directory is missing, incomplete, or would be overwritten."""


class UnknownNameError(GoodfitError, KeyError):
    """A name (data set, model, optimizer...) is not registered."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class TrainingError(GoodfitError):
    """Training cannot go on (e.g. the loss became NaN)."""


class CheckError(GoodfitError):
    """The pitfall lint found errors; fix them, or skip the lint on purpose (``--no-check``)."""


class LaunchError(GoodfitError):
    """A process of a data-parallel run (``train.nproc``) died; the others were stopped."""


class MissingExtraError(GoodfitError, ImportError):
    """An optional part of goodfit is used without the packages it needs (an extra not installed)."""


def require(*modules: str, extra: str, feature: str) -> None:
    """Import ``modules`` or raise one :class:`MissingExtraError` naming the extra that provides them.

    Examples:
        >>> require("json", extra="export", feature="goodfit export")
        >>> try:
        ...     require("no_such_module_here", extra="export", feature="goodfit export --format onnx")
        ... except MissingExtraError as exc:
        ...     print(exc)
        goodfit export --format onnx needs no_such_module_here: pip install 'goodfit[export]'
    """
    import importlib

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtraError(f"{feature} needs {', '.join(missing)}: pip install 'goodfit[{extra}]'")
