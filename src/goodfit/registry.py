"""A small, explicit name → factory registry shared by data sets, models and detectors."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from goodfit.errors import UnknownNameError

__all__ = ["Registry", "Entry"]

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    factory: Callable[..., T]
    description: str
    takes_argument: bool = False  # "csv:PATH"-style names pass PATH to the factory


class Registry(Generic[T]):
    """Maps names to factories; filled explicitly, in one visible place per package.

    Examples:
        >>> r = Registry("model")
        >>> r.add("twice", lambda x: 2 * x, "doubles")
        >>> r.create("twice", 3)
        6
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def add(
        self, name: str, factory: Callable[..., T], description: str, *, takes_argument: bool = False
    ) -> None:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = Entry(name, factory, description, takes_argument)

    def get(self, name: str) -> tuple[Entry[T], str | None]:
        """The entry for ``name`` and its argument (for ``prefix:ARG`` names), or a clear error."""
        base, sep, arg = name.partition(":")
        entry = self._entries.get(base)
        if entry is not None and entry.takes_argument == bool(sep):
            if sep and not arg:
                raise UnknownNameError(f"{self.kind} {name!r} needs an argument: use {base}:VALUE")
            return entry, (arg if sep else None)
        if entry is not None and entry.takes_argument:
            raise UnknownNameError(f"{self.kind} {name!r} needs an argument: use {base}:VALUE")
        close = difflib.get_close_matches(base, list(self._entries), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownNameError(
            f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}.{hint}"
        )

    def create(self, name: str, *args: object, **kwargs: object) -> T:
        entry, arg = self.get(name)
        if arg is not None:
            return entry.factory(arg, *args, **kwargs)
        return entry.factory(*args, **kwargs)

    def names(self) -> list[str]:
        return [e.name + (":PATH" if e.takes_argument else "") for e in self._entries.values()]

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
        except UnknownNameError:
            return False
        return True

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self._entries.values())
