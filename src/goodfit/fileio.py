"""Guarded readers: goodfit's own files (configs, metrics, history) read with one-line errors.

A file a user hands goodfit, or one a killed process left behind, can be missing, a folder, binary,
cut short, or absurdly nested. Every reader here turns each of those into one
:class:`~goodfit.errors.GoodfitError` that names the file and what to do, never a traceback.
Writers live beside them in :mod:`goodfit.run` (atomic: a reader sees the old file or the new one).

Import-light (no torch): the CLI and :mod:`goodfit.config` use it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from goodfit.errors import GoodfitError, RunDirError

__all__ = ["read_text", "read_json", "MAX_TEXT_BYTES"]

MAX_TEXT_BYTES = 64 * 2**20  # no config, metrics or history file of goodfit's comes near this


def read_text(path: str | Path, *, what: str = "file", fix: str = "",
              error: type[GoodfitError] = RunDirError) -> str:
    """The UTF-8 text of ``path``, or one ``error`` naming ``what`` it should be and ``fix``.

    Examples:
        >>> read_text("/no/such/config.yaml", what="config file", fix="pass an existing YAML file")
        Traceback (most recent call last):
        goodfit.errors.RunDirError: config file /no/such/config.yaml not found; pass an existing YAML file
    """
    path = Path(path)
    tail = f"; {fix}" if fix else ""
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise error(f"{path} is over {MAX_TEXT_BYTES // 2**20} MB, too large for a {what}{tail}")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path} not found{tail}") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, not a {what}{tail}") from None
    except UnicodeDecodeError:
        raise error(f"{path} is not a text file (not UTF-8), so not a {what}{tail}") from None


def read_json(path: str | Path, *, what: str = "JSON file", fix: str = "",
              error: type[GoodfitError] = RunDirError) -> Any:
    """Parsed JSON of ``path``; a file cut short or not JSON is one ``error``.

    Examples:
        >>> import tempfile, os
        >>> bad = os.path.join(tempfile.mkdtemp(), "metrics.json")
        >>> _ = open(bad, "w").write('{"test": [1, 2')
        >>> read_json(bad, what="metrics file", fix="train the run again")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        goodfit.errors.RunDirError: .../metrics.json is damaged (not valid JSON: ... line 1 column 15); ...
    """
    text = read_text(path, what=what, fix=fix, error=error)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = ("nested too deeply" if isinstance(exc, RecursionError)
                  else f"{exc.msg} at line {exc.lineno} column {exc.colno}")
        tail = f"; {fix}" if fix else ""
        raise error(f"{path} is damaged (not valid JSON: {reason}){tail}") from None
