"""Reports in German: headings, labels and sentences translated, ``<html lang>`` set, values still escaped,
and the English page as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import goodfit
from goodfit.findings import as_dicts, finding
from goodfit.i18n import use_language
from goodfit.report import render, write_report


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A completed training run on the bundled 8x8 digits (about 2 s), with a German finding."""
    out = tmp_path_factory.mktemp("runs")
    cfg = goodfit.apply_overrides(goodfit.Config(), ["data.name=digits", "train.epochs=2", f"out_dir={out}"])
    run = goodfit.fit(cfg, progress="quiet", report=False).run_dir
    with use_language("de"):
        found = finding("small-valid-split", "143 Validierungsbeispiele für 10 Klassen.")
    (run / "findings.json").write_text(json.dumps(as_dicts([found])))
    return run


def test_a_german_report(run_dir: Path) -> None:
    with use_language("de"):
        html = write_report(run_dir).read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    for heading in ("Kennzahlen", "Nutzung des Testdatensatzes", "Befunde", "Pro Klasse (Testdatensatz)",
                    "Diagramme", "Konfiguration", "Umgebung"):
        assert f"<h2>{heading}</h2>" in html, heading
    assert "<strong>Status: abgeschlossen</strong>" in html
    assert "Der Testdatensatz wurde 1-mal evaluiert." in html
    assert "<th>Trainiertes Modell</th>" in html and "Test-Accuracy" in html
    assert '<span class="tag">Warnung</span>' in html and "<strong>Abhilfe:</strong>" in html
    assert "Mindestens ~20 Validierungsbeispiele pro Klasse" in html  # the catalog's fix, in German
    assert "Diese Seite ist in sich geschlossen" in html
    assert "Key numbers" not in html and "Test set use" not in html


def test_the_english_report_is_unchanged(run_dir: Path) -> None:
    html = write_report(run_dir).read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "<h2>Key numbers</h2>" in html
    assert "<strong>Status: completed</strong>" in html
    assert "The test set was evaluated 1 time." in html and '<span class="tag">warning</span>' in html
    assert "This page is self-contained: it loads nothing from the network." in html


def test_translated_text_still_escapes_values() -> None:
    with use_language("de"):
        html = render("base.html", title="<b>", created="<i>jetzt</i>")
    assert "<title>&lt;b&gt;</title>" in html and "Erstellt von goodfit am &lt;i&gt;jetzt&lt;/i&gt;." in html


def test_a_german_exploration_page(tmp_path: Path) -> None:
    from goodfit.report.explore import explore

    with use_language("de"):
        result = explore("digits", out_dir=tmp_path)
        summary = result.summary()
    html = result.html.read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "<h2>Überblick</h2>" in html and "<h2>Klassen</h2>" in html
    assert "Mehrheitsklassen-Baseline" in html and "Erkunden: digits" in html
    assert summary.startswith("Datensatz digits (image, 10 Klassen)")
    assert result.suggested_scaling.startswith("minmax01 oder standardize")  # the data.scaling value stays first
