"""Self-contained HTML pages: jinja2 templates, PNGs inlined as data URIs, atomic writes.

A page made here needs no network and no other file: CSS is inline, images are ``data:`` URIs,
so a report can be mailed, opened from a cluster's scratch folder or read offline on a phone.
All values are escaped by the template engine (autoescape), so user text cannot inject markup.
Pages speak the current language (:mod:`goodfit.i18n`): templates mark their text ``{{ _("...") }}``
(Jinja's i18n extension, extracted by ``make i18n``) and ``<html lang>`` names the language.

Examples:
    >>> uri = embed_png(b"\\x89PNG...")
    >>> uri[:22]
    'data:image/png;base64,'
    >>> "&lt;b&gt;" in render("base.html", title="<b>")
    True
"""

from __future__ import annotations

import base64
import functools
import math
from pathlib import Path
from typing import Any

from goodfit.i18n import _, language, ngettext
from goodfit.run import atomic_write_text

__all__ = ["embed_png", "embed_wav", "render", "write_html", "fmt_pct", "fmt_num", "fmt_metric", "is_fraction"]

DASH = "—"  # shown where a number does not exist (partial run, no baseline for that row)
# metrics that are shares of something (shown as percentages); the others (loss, R², MAE, PSNR) as numbers
FRACTIONS = frozenset({"accuracy", "f1_macro", "precision_macro", "recall_macro", "auroc", "ap", "f1",
                       "precision", "recall", "f1_at_threshold", "accuracy_at_threshold",
                       "precision_at_threshold", "recall_at_threshold"})


def embed_png(png: bytes) -> str:
    """A ``data:image/png;base64,...`` URI for PNG bytes, usable as an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def embed_wav(wav: bytes) -> str:
    """A ``data:audio/wav;base64,...`` URI for WAV bytes, usable as an ``<audio src>``."""
    return "data:audio/wav;base64," + base64.b64encode(wav).decode("ascii")


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("goodfit.report", "templates"),
        autoescape=True,  # every template here is HTML: escape all values
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: {{ _("... %(name)s", name=value) }} escapes the values; _ looks the language up on every call
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)
    env.globals["language"] = language
    env.filters["pct"] = fmt_pct
    env.filters["num"] = fmt_num
    return env


def render(template: str, **context: Any) -> str:
    """Render ``goodfit/report/templates/<template>`` with ``context`` (values are escaped)."""
    return _environment().get_template(template).render(**context)


def write_html(path: str | Path, html: str) -> Path:
    """Write ``html`` to ``path`` atomically (readers never see half a page); return the path."""
    path = Path(path)
    atomic_write_text(path, html)
    return path


def fmt_pct(value: Any, digits: int = 1) -> str:
    """``0.9123`` → ``'91.2 %'``; ``None``/NaN/non-numbers → ``'—'``.

    Examples:
        >>> fmt_pct(0.9123), fmt_pct(None)
        ('91.2 %', '—')
    """
    v = _finite(value)
    return DASH if v is None else f"{100 * v:.{digits}f} %"


def fmt_num(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; ``None`` → ``'—'``, NaN/inf kept visible.

    Examples:
        >>> fmt_num(2.302585), fmt_num(float("nan")), fmt_num(None)
        ('2.303', 'nan', '—')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return DASH
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)  # a diverged loss must show as nan/inf, not as a blank
    return f"{value:.{digits}g}"


def is_fraction(metric: str) -> bool:
    """Whether ``metric`` is a share (accuracy, F1, AUROC...), shown as a percentage."""
    return metric.removeprefix("valid_").removeprefix("test_").removeprefix("train_") in FRACTIONS


def fmt_metric(metric: str, value: Any) -> str:
    """A metric value as a person reads it: shares as percentages, PSNR in dB, the rest as numbers.

    Examples:
        >>> fmt_metric("auroc", 0.9912), fmt_metric("r2", 0.4815), fmt_metric("psnr", 17.81)
        ('99.1 %', '0.4815', '17.81 dB')
    """
    if is_fraction(metric):
        return fmt_pct(value)
    return f"{fmt_num(value)} dB" if metric.endswith("psnr") and _finite(value) is not None else fmt_num(value)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
