"""Findings: what a check says, and the catalog of every check goodfit runs.

A :class:`Finding` is one concrete observation ("layer net.4 has 97 % dead ReLUs") with a
severity and a fix. The :data:`CATALOG` lists each kind of finding once, with why it matters, what
goodfit looks at and which published tool names it (:mod:`goodfit.findings.catalog`);
``docs/checks.md`` is written from it (:func:`render_checks_doc`), and tests keep the two in step
and make sure every entry is tested.

Messages are made in the current language (:mod:`goodfit.i18n`); the catalog's texts are marked for
translation and translated where they are shown, while ``docs/checks.md`` stays English. A finding's
``id``, ``severity`` and ``where`` are machine values and stay English in every language.

Examples:
    >>> f = finding("extreme-lr", "lr=5 is very high for adam.", where="optimizer")
    >>> str(f).split(" Fix: ")[0]
    'warning: extreme-lr [optimizer]: lr=5 is very high for adam.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from goodfit.findings.catalog import ENTRIES, STAGES, CheckInfo, Severity
from goodfit.findings.precedence import explained, settle
from goodfit.i18n import N_, _, ngettext

__all__ = ["Finding", "CheckInfo", "CATALOG", "finding", "summarize", "as_dicts", "render_checks_doc", "settle",
           "explained", "severity_word", "tally"]

CATALOG: dict[str, CheckInfo] = {c.id: c for c in ENTRIES}
SEVERITY_WORDS: dict[str, str] = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Severity
    message: str
    fix: str
    where: str | None = None  # a layer, a split, a parameter...

    def __str__(self) -> str:
        where = f" [{self.where}]" if self.where else ""
        return _("{severity}: {id}{where}: {message} Fix: {fix}").format(
            severity=severity_word(self.severity), id=self.id, where=where, message=self.message, fix=self.fix)


def severity_word(severity: str) -> str:
    """``severity`` (a machine value: error, warning, info) as a word in the current language."""
    return _(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity


def finding(id: str, message: str, *, where: str | None = None, severity: Severity | None = None,
            fix: str | None = None) -> Finding:
    """A finding of catalog entry ``id`` (its severity and fix unless overridden); ``message`` and ``fix``
    are given in the current language, the catalog's fix is translated into it."""
    info = CATALOG[id]
    return Finding(id, severity or info.severity, message, fix or _(info.fix), where)


def tally(findings: Iterable[Finding]) -> str:
    """How many findings and how many errors, as the CLI prints it: ``3 finding(s), 1 error(s)``.

    Examples:
        >>> tally([finding("extreme-lr", "lr=5 is very high for adam.")])
        '1 finding(s), 0 error(s)'
    """
    found = list(findings)
    n, errors = len(found), sum(f.severity == "error" for f in found)
    return _("{findings}, {errors}").format(findings=ngettext("{n} finding(s)", "{n} finding(s)", n).format(n=n),
                                            errors=ngettext("{n} error(s)", "{n} error(s)", errors).format(n=errors))


def as_dicts(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]


def summarize(findings: Iterable[Finding]) -> str:
    """Multi-line text, errors first."""
    order = {"error": 0, "warning": 1, "info": 2}
    return "\n".join(str(f) for f in sorted(findings, key=lambda f: order[f.severity]))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(stage: str) -> str:
    rows = ["| id | severity | what it detects | why it matters | what goodfit looks at | the fix | named by |",
            "|---|---|---|---|---|---|---|"]
    for c in ENTRIES:
        if c.stage == stage:
            rows.append(f"| `{c.id}` | {c.severity} | {_cell(c.title)} | {_cell(c.why)} | {_cell(c.looks_at)} | "
                        f"{_cell(c.fix)} | {_cell('; '.join(c.sources))} |")
    return "\n".join(rows)


def render_checks_doc(text: str) -> str:
    """``text`` (docs/checks.md) with each ``<!-- catalog:STAGE -->`` ... ``<!-- /catalog -->`` block
    rewritten from :data:`CATALOG`; ``python -m goodfit.findings docs/checks.md`` updates the file."""
    def table(match: re.Match) -> str:
        stage = match.group(1)
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r} in a catalog marker")
        return f"<!-- catalog:{stage} -->\n{_table(stage)}\n<!-- /catalog -->"

    return re.sub(r"<!-- catalog:(\w+) -->.*?<!-- /catalog -->", table, text, flags=re.DOTALL)
