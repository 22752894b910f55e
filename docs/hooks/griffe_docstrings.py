"""Griffe extension for the API reference: goodfit's docstrings as the Google parser expects them.

Applied when mkdocstrings loads the package (the source files are not changed):

- Sphinx roles (``:func:`fit```, ``:mod:`~goodfit.checks.lint```), which Markdown would show
  literally, become inline code (``~`` keeps the last part, as in Sphinx). They are not made into
  links: a link to an object the site does not render would fail the strict build.
- A reStructuredText literal block (a paragraph ending in ``::``, then an indented block) ends in
  ``:``: the indented block is a code block in Markdown already.
- An attribute without a docstring whose line ends in a comment gets the comment as its
  docstring: the config dataclasses document their fields that way
  (``patience: int = 0  # early stopping on valid loss plateau; 0 = off``), as plain text
  (backquoted names stay code).
- Special methods without a docstring (``__len__``, ``__post_init__``...) are left out of the
  reference; ``__init__`` stays, for the class signature.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Any

import griffe

LITERAL_BLOCK = re.compile(r"::[ \t]*$(?=\n[ \t]*\n[ \t]+\S)", re.MULTILINE)
MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>])")  # not `: a comment's `name` is meant as code
ROLE = re.compile(r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const|term):`(?P<tilde>~?)(?P<target>[^`]+)`")


def _code(match: re.Match) -> str:
    target = match.group("target")
    if match.group("tilde"):
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def _trailing_comment(obj: griffe.Object) -> str | None:
    """The comment that ends the first line of ``obj``'s source, if it is prose (not a pragma)."""
    try:
        first_line = obj.source.splitlines()[0]
        tokens = list(tokenize.generate_tokens(io.StringIO(first_line + "\n").readline))
    except (IndexError, OSError, ValueError, tokenize.TokenError, SyntaxError):
        return None
    comments = [t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT]
    if not comments or re.match(r"(noqa|type:|pragma|ty:|pyright:|fmt:)", comments[0]):
        return None
    return MARKDOWN_SPECIAL.sub(r"\\\1", comments[0])  # a comment is plain text: 2**b is not bold


def _fix(obj: griffe.Object) -> None:
    if obj.is_attribute and obj.docstring is None and (comment := _trailing_comment(obj)):
        obj.docstring = griffe.Docstring(comment, parent=obj)
    if obj.docstring is not None:
        text = obj.docstring.value  # (sections are "Examples:", as the Google style names them)
        text = LITERAL_BLOCK.sub(":", text)
        obj.docstring.value = ROLE.sub(_code, text)


class GoodfitDocstrings(griffe.Extension):
    def on_class(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        for name, member in list(cls.members.items()):
            if (name.startswith("__") and name.endswith("__") and name != "__init__" and not member.is_alias
                    and member.docstring is None):
                cls.del_member(name)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _fix(pkg)  # the top package is not among the objects on_object sees

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        _fix(obj)
