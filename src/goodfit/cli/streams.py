"""Output that survives a closed pipe: ``goodfit train ... | head -1`` must not kill the training.

When the reader of stdout or stderr goes away, Python raises ``BrokenPipeError`` at the next
write, wherever that is (a progress line in the middle of an epoch). :class:`PipeSafe` drops
output from then on instead, so the run goes on and saves its files as usual.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

__all__ = ["PipeSafe", "install"]


class PipeSafe:
    """A text stream that writes through to ``stream`` until its reader is gone, then discards."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self) -> None:
        self.broken = True
        try:  # point the descriptor at /dev/null: the interpreter's own flush at exit stays quiet too
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (a test's StringIO)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ... of the real stream
        return getattr(self._stream, name)


def install() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (once)."""
    import sys

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, PipeSafe):
            setattr(sys, name, PipeSafe(stream))
