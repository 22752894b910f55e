"""Findings in either language: the message, fix and words translated, the machine values not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from goodfit.findings import CATALOG, as_dicts, finding, render_checks_doc, settle, tally
from goodfit.i18n import translations, use_language

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def test_a_finding_reads_german_but_keeps_its_machine_values():
    english = finding("extreme-lr", "lr=5 is very high for adam.", where="optimizer")
    with use_language("de"):
        german = finding("extreme-lr", "lr=5 ist sehr hoch für adam.", where="optimizer")
        text = str(german)
    assert text == ("Warnung: extreme-lr [optimizer]: lr=5 ist sehr hoch für adam. Abhilfe: Adam/AdamW: 1e-4..1e-2; "
                    "SGD: 1e-3..0.5. Mit 'goodfit sanity' die Wirkung ansehen.")
    assert (german.id, german.severity, german.where) == (english.id, english.severity, english.where)
    assert as_dicts([german])[0]["severity"] == "warning"  # what findings.json keeps
    assert str(english).startswith("warning: extreme-lr [optimizer]: lr=5 is very high for adam. Fix: Adam/AdamW")


def test_each_severity_has_a_german_word():
    with use_language("de"):
        words = {s: str(finding(i, "x")).split(":")[0] for s, i in
                 (("error", "diverged"), ("warning", "overfitting"), ("info", "healthy"))}
    assert words == {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}


def test_every_catalog_text_is_in_the_german_catalog():
    german = translations("de")
    for info in CATALOG.values():
        for text in (info.title, info.why, info.fix, info.looks_at):
            assert german.gettext(text) != text or not re.search(r"[a-z]{3} [a-z]{3}", text), (info.id, text)


def test_tally_counts_in_both_languages():
    found = [finding("extreme-lr", "x"), finding("batch-larger-than-data", "y")]
    assert tally(found) == "2 finding(s), 1 error(s)"
    assert tally(found[:1]) == "1 finding(s), 0 error(s)"
    with use_language("de"):
        assert tally(found) == "2 Befunde, 1 Fehler"
        assert tally(found[:1]) == "1 Befund, 0 Fehler"


def test_the_checks_page_stays_english_in_german():
    text = DOCS.read_text(encoding="utf-8")
    with use_language("de"):
        assert render_checks_doc(text) == text


@pytest.mark.parametrize("lang", ["en", "de"])
def test_lint_messages_in_the_language_asked_for(lang):
    from goodfit import apply_overrides
    from goodfit.checks import lint_config
    from goodfit.config import Config

    with use_language(lang):
        found = {f.id: f for f in settle(lint_config(apply_overrides(Config(), ["optim.lr=5"])))}
    expected = {"en": "lr=5 is very high for adam", "de": "lr=5 ist sehr hoch für adam"}[lang]
    assert found["extreme-lr"].message.startswith(expected)
