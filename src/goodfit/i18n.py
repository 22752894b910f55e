"""Languages: goodfit speaks English (the source text) and German, through a standard gettext catalog.

Messages are marked in the source with :func:`_` (translated where they are made) or :func:`N_`
(marked only, translated where they are shown, e.g. the findings catalog). ``make i18n`` extracts
them with Babel into ``src/goodfit/locale/goodfit.pot``, updates ``locale/de/LC_MESSAGES/goodfit.po``
and compiles the ``.mo`` file that :mod:`gettext` reads at run time; ``tests/test_i18n.py`` checks
that every message has German text and the same ``{placeholders}`` in both languages.

The language is, first to last: :func:`use_language` (a block of code, e.g. one web request),
:func:`set_language` (``goodfit --lang de``), ``$GOODFIT_LANG``, the locale (``$LC_ALL``,
``$LC_MESSAGES``, ``$LANG``), English.

Examples:
    >>> with use_language("de"):
    ...     _("untrained")
    'untrainiert'
    >>> with use_language("en"):
    ...     _("untrained")
    'untrained'
    >>> parse_language("de_AT.UTF-8"), parse_language("fr_FR"), parse_language("C.UTF-8")
    ('de', None, None)
"""

from __future__ import annotations

import contextlib
import gettext
import os
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from goodfit.errors import ConfigError

__all__ = ["LANGUAGES", "DOMAIN", "LOCALE_DIR", "_", "N_", "ngettext", "language", "set_language",
           "use_language", "parse_language", "translations"]

LANGUAGES = ("en", "de")
DOMAIN = "goodfit"
LOCALE_DIR = Path(__file__).parent / "locale"

_chosen: str | None = None  # set_language(): the whole process
_block: ContextVar[str | None] = ContextVar("goodfit_language", default=None)  # use_language(): one block


def parse_language(value: str | None) -> str | None:
    """The supported language a locale or language tag names (``de_DE.UTF-8`` → ``de``), else None."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def _from_environment() -> str:
    explicit = os.environ.get("GOODFIT_LANG")
    if explicit:
        return _checked(explicit, source="$GOODFIT_LANG")
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:  # the first one set decides, as in POSIX; C or POSIX or an unsupported one mean English
            return parse_language(value) or "en"
    return "en"


def _checked(value: str, *, source: str) -> str:
    lang = parse_language(value)
    if lang is None:
        raise ConfigError(f"{source}={value!r} is not a language goodfit speaks; use one of {', '.join(LANGUAGES)}")
    return lang


def language() -> str:
    """The language messages are translated into now (``en`` or ``de``)."""
    return _block.get() or _chosen or _from_environment()


def set_language(value: str | None) -> str:
    """Translate into ``value`` from now on in this process (None: from the environment again).

    Raises:
        ConfigError: ``value`` is not a supported language.
    """
    global _chosen
    _chosen = None if value is None else _checked(value, source="language")
    return language()


@contextlib.contextmanager
def use_language(value: str | None) -> Iterator[str]:
    """Translate into ``value`` inside the block only (this thread or task; None: no change)."""
    token = _block.set(None if value is None else _checked(value, source="language"))
    try:
        yield language()
    finally:
        _block.reset(token)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the source text itself)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang])


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form, as ``n`` asks, in the current language."""
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it here (it is translated when shown)."""
    return message
