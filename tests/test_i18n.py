"""The German catalog: complete, in step with the source, compiled, and chosen as documented."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest

from goodfit import i18n
from goodfit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
PO = i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "goodfit.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _read_po(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Every message the source marks, as ``make i18n`` extracts it (babel.cfg)."""
    pytest.importorskip("babel")
    pot = tmp_path_factory.mktemp("i18n") / "goodfit.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(pot),
                    "."], cwd=ROOT, check=True, capture_output=True)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in _read_po(pot) if m.id}


@pytest.fixture(scope="module")
def catalog():
    pytest.importorskip("babel")
    return _read_po(PO)


def test_every_message_has_german_text(extracted, catalog):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(extracted - set(entries))
    assert not missing, f"{len(missing)} message(s) not in {PO.name}; run make i18n and translate: {missing[:5]}"
    untranslated = sorted(k for k, m in entries.items() if not (m.string if isinstance(m.string, str)
                                                                else all(m.string)))
    assert not untranslated, f"{len(untranslated)} message(s) without German text: {untranslated[:5]}"
    fuzzy = sorted(k for k, m in entries.items() if m.fuzzy)
    assert not fuzzy, f"{len(fuzzy)} fuzzy translation(s) to review: {fuzzy[:5]}"
    stale = sorted(set(entries) - extracted)
    assert not stale, f"{len(stale)} message(s) in {PO.name} no longer in the source; run make i18n: {stale[:5]}"


def test_translations_keep_the_placeholders(catalog):
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(ids[-1])), (m.id, text)


def test_compiled_catalog_matches_the_po_file(catalog):
    with open(PO.with_suffix(".mo"), "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for m in catalog:
        if m.id and isinstance(m.id, str):
            assert compiled.gettext(m.id) == m.string, f"{m.id!r}: the .mo is older than the .po; run make i18n"


def test_language_precedence(monkeypatch):
    for name in ("GOODFIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    assert i18n.language() == "en"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.language() == "de"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # LC_ALL wins over LANG, and C means English
    assert i18n.language() == "en"
    monkeypatch.setenv("GOODFIT_LANG", "de")
    assert i18n.language() == "de"
    assert i18n.set_language("en") == "en"
    with i18n.use_language("de"):
        assert i18n.language() == "de" and i18n._("untrained") == "untrainiert"
    assert i18n.language() == "en"
    i18n.set_language(None)
    assert i18n.language() == "de"


def test_unknown_language_is_a_clear_error(monkeypatch):
    with pytest.raises(ConfigError, match="fr.*not a language goodfit speaks; use one of en, de"):
        i18n.set_language("fr")
    monkeypatch.setenv("GOODFIT_LANG", "klingon")
    monkeypatch.setattr(i18n, "_chosen", None)
    with pytest.raises(ConfigError, match=r"\$GOODFIT_LANG='klingon'"):
        i18n.language()
