"""The page in a real browser: Playwright drives Debian's Chromium against ``goodfit serve`` (subprocess).

Draws a "1", a "0" and a "7" with the mouse, checks the top-1 shown, inserts test samples, clears,
and saves screenshots (pytest's tmp folder and tests/artifacts/, git-ignored). Without Chromium the
tests skip locally but fail under CI=true: a browser test that silently never runs proves nothing.
``GOODFIT_CHROMIUM`` points at another Chromium binary.
"""

from __future__ import annotations

import pytest
from drawing import DIGITS, screenshot
from drawing import draw as _draw
from drawing import ink as _ink

pytestmark = pytest.mark.e2e


@pytest.fixture()
def open_page(pages, live_server):
    return lambda width=1100, height=900, **context_args: pages(live_server, width=width, height=height,
                                                                **context_args)


def test_drawn_digits_are_recognized(open_page, tmp_path):
    from playwright.sync_api import expect

    page = open_page()
    expect(page.locator("#model-info")).to_contain_text("test accuracy")
    expect(page.locator("#model-info")).to_contain_text("mlp")
    top1 = page.locator('#bars li[data-rank="1"]')
    for digit, strokes in DIGITS.items():
        page.get_by_role("button", name="Clear").click()
        expect(page.locator("#bars li")).to_have_count(0)
        assert _ink(page) == 0
        _draw(page, strokes)
        assert _ink(page) > 1000
        expect(top1).to_have_attribute("data-class", digit, timeout=10_000)
        expect(page.locator("#bars li")).to_have_count(5)
        expect(page.locator("#preview")).to_be_visible()
        screenshot(page, tmp_path, f"serve-drawn-{digit}.png")
    assert page.errors == [] and page.external == []


def test_samples_clear_and_eraser(open_page, tmp_path):
    from playwright.sync_api import expect

    page = open_page()
    page.get_by_role("button", name="Insert a test sample of class 3").click()
    expect(page.locator("#sample-info")).to_contain_text("of class 3")
    expect(page.locator("#bars li")).to_have_count(5)
    assert _ink(page) > 100
    screenshot(page, tmp_path, "serve-desktop.png")
    # keyboard: focus a sample button and press Enter
    page.get_by_role("button", name="Insert a test sample of class 8").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#sample-info")).to_contain_text("of class 8")
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#bars li")).to_have_count(0)
    expect(page.locator("#placeholder")).to_be_visible()
    assert _ink(page) == 0 and page.locator("#sample-info").inner_text() == ""
    _draw(page, DIGITS["1"])
    expect(page.locator('#bars li[data-rank="1"]')).to_have_attribute("data-class", "1", timeout=10_000)
    page.get_by_role("button", name="Eraser").click()
    expect(page.get_by_role("button", name="Eraser")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Pen")).to_have_attribute("aria-pressed", "false")
    before = _ink(page)
    _draw(page, [[(0.5, 0.1), (0.5, 0.9)]])
    assert _ink(page) < before / 4
    expect(page.locator("#bars li")).to_have_count(0, timeout=10_000)  # erased to nothing: empty again
    assert page.errors == []


def test_phone_width_and_touch(open_page, tmp_path):
    """At 390 px the panels stack, nothing overflows sideways, and touch strokes draw."""
    from playwright.sync_api import expect

    page = open_page(390, 844, has_touch=True, is_mobile=True, device_scale_factor=2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#canvas").bounding_box()
    assert box["width"] > 300 and abs(box["width"] - box["height"]) < 2
    page.evaluate("""() => {  // one finger stroke: pointer events as a touch screen sends them
        const c = document.getElementById('canvas'), r = c.getBoundingClientRect();
        const at = (fx, fy, type) => c.dispatchEvent(new PointerEvent(type, {pointerId: 7,
            pointerType: 'touch', isPrimary: true, bubbles: true, cancelable: true, button: 0, buttons: 1,
            clientX: r.left + fx * r.width, clientY: r.top + fy * r.height}));
        at(0.5, 0.15, 'pointerdown');
        for (let i = 1; i <= 20; i++) at(0.5, 0.15 + 0.7 * i / 20, 'pointermove');
        at(0.5, 0.85, 'pointerup'); }""")
    expect(page.locator('#bars li[data-rank="1"]')).to_have_attribute("data-class", "1", timeout=10_000)
    screenshot(page, tmp_path, "serve-phone.png")
    assert page.errors == [] and page.external == []


def test_api_docs_render_offline(open_page, live_server, tmp_path):
    from playwright.sync_api import expect

    page = open_page()
    page.goto(live_server + "/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("/api/predict", exact=True)).to_be_visible()
    screenshot(page, tmp_path, "serve-docs.png")
    assert page.errors == [] and page.external == []
