"""The command line in German: ``goodfit --lang de``, ``GOODFIT_LANG=de``, and English left as it was."""

import pytest
from helpers import run_cli

pytestmark = pytest.mark.e2e

GERMAN_FINDING = ("Warnung: extreme-lr [optimizer]: lr=5 ist sehr hoch für adam (gemeldet außerhalb von "
                  "1e-05..0.05). Abhilfe: Adam/AdamW: 1e-4..1e-2; SGD: 1e-3..0.5. Mit 'goodfit sanity' die Wirkung "
                  "ansehen.")
ENGLISH_FINDING = ("warning: extreme-lr [optimizer]: lr=5 is very high for adam (flagged outside 1e-05..0.05). "
                   "Fix: Adam/AdamW: 1e-4..1e-2; SGD: 1e-3..0.5. Run 'goodfit sanity' to see the effect.")


def test_lang_de_prints_the_finding_its_fix_and_the_summary_in_german():
    proc = run_cli("--lang", "de", "check", "optim.lr=5")
    assert proc.stdout.splitlines() == [GERMAN_FINDING, "1 Befund, 0 Fehler"]


def test_goodfit_lang_de_does_the_same_and_english_is_unchanged():
    assert run_cli("check", "optim.lr=5", env={"GOODFIT_LANG": "de"}).stdout.splitlines() == [
        GERMAN_FINDING, "1 Befund, 0 Fehler"]
    assert run_cli("check", "optim.lr=5").stdout.splitlines() == [ENGLISH_FINDING, "1 finding(s), 0 error(s)"]
    assert run_cli("check", "optim.lr=5", env={"GOODFIT_LANG": "", "LANG": "de_DE.UTF-8", "LC_ALL": ""}
                   ).stdout.splitlines()[-1] == "1 Befund, 0 Fehler"  # the locale, when nothing else is set


def test_german_plurals_errors_and_machine_read_lines():
    proc = run_cli("--lang", "de", "check", "optim.lr=5", "train.batch_size=5000", check=False)
    assert proc.returncode == 1
    assert "Fehler: batch-larger-than-data [batch_size]: Batchgröße 5000 > 3600 Trainingsbeispiele." in proc.stdout
    assert proc.stdout.strip().endswith("2 Befunde, 1 Fehler")
    bad = run_cli("--lang", "de", "check", "data.name=nope", check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("Fehler: ") and bad.stderr.count("\n") == 1
    usage = run_cli("--lang", "de", "check", "--bogus", check=False)
    assert usage.returncode == 2 and "(siehe 'goodfit check --help')" in usage.stderr
    assert run_cli("--lang", "de", "check", "--dataset", "breast-cancer", "model.hidden=32"
                   ).stdout.strip() == "keine Fallstricke gefunden"


def test_an_unknown_language_is_a_one_line_error():
    proc = run_cli("--lang", "fr", "check", check=False)
    assert proc.returncode == 2 and "not a language goodfit speaks; use one of en, de" in proc.stderr
