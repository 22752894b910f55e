"""Every check is documented in docs/checks.md and exercised by a test."""

from pathlib import Path

import pytest

from goodfit.checks import CATALOG

REPO = Path(__file__).resolve().parents[2]
TEST_TEXT = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py") if p.name != "test_catalog.py")


@pytest.mark.parametrize("check_id", list(CATALOG))
def test_documented_and_tested(check_id):
    assert f"`{check_id}`" in (REPO / "docs" / "checks.md").read_text()
    assert f'"{check_id}"' in TEST_TEXT, f"no test mentions {check_id}"


def test_catalog_entries_are_complete():
    for info in CATALOG.values():
        assert info.title and info.why and info.fix and info.severity in ("error", "warning", "info")


def test_the_checks_page_is_written_from_the_catalog():
    """docs/checks.md's tables are the catalog's; regenerate with python -m goodfit.findings docs/checks.md."""
    from goodfit.findings import render_checks_doc

    text = (REPO / "docs" / "checks.md").read_text()
    assert render_checks_doc(text) == text


def test_every_entry_says_what_goodfit_looks_at_and_who_names_it():
    for info in CATALOG.values():
        assert info.looks_at and info.sources, info.id
