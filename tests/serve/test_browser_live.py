"""The page as the analog-hardware notebook uses it, in a real browser (Playwright + Debian's Chromium):
an untrained network guessing, a run followed as it trains (--watch), the Start/Stop toggle and its
autostop (requests counted at the server), raw scores, German, and how fast the bars follow a
drawing drawn at a hand's pace.
"""

from __future__ import annotations

import os
import re

import httpx
import numpy as np
import pytest
from drawing import DIGITS, draw, draw_like_a_person, screenshot
from helpers import has_dataset

pytestmark = pytest.mark.e2e


def _predictions(url: str) -> int:
    return httpx.get(f"{url}/api/stats", timeout=10).json()["predictions"]


def _top(page) -> list[tuple[str, str]]:
    return [(li.get_attribute("data-class"), li.locator(".pct").inner_text()) for li in page.locator("#bars li").all()]


@pytest.fixture(scope="module")
def untrained_server_de(start_server):
    """``goodfit --lang de serve -d mnist-5k``: the untrained course MLP, the page in German."""
    with start_server("--lang", "de", "serve", "-d", "mnist-5k") as url:
        yield url


def test_untrained_page_guesses_near_chance(pages, untrained_server_de, tmp_path):
    from playwright.sync_api import expect

    page = pages(untrained_server_de)
    expect(page.locator("#model-state")).to_have_attribute("data-trained", "false")
    top1 = []
    for strokes in DIGITS.values():
        page.locator("#clear").click()
        draw(page, strokes)
        expect(page.locator("#bars li")).to_have_count(5, timeout=10_000)
        expect(page.locator("#predictions")).to_have_attribute("data-provisional", "false")
        top1.append(float(_top(page)[0][1].rstrip("%")) / 100)
    # random weights: close to a uniform guess over 10 classes, nowhere near a confident answer
    assert max(top1) < 0.3, top1
    screenshot(page, tmp_path, "serve-untrained-de.png")
    assert page.errors == [] and page.external == []


def test_german_page_shows_german_labels(pages, untrained_server_de):
    from playwright.sync_api import expect

    page = pages(untrained_server_de)
    assert page.locator("html").get_attribute("lang") == "de"
    expect(page.locator("h1")).to_contain_text("Male eine Ziffer")
    expect(page.locator("#model-state")).to_have_text("untrainiert")
    expect(page.locator("#model-info")).to_contain_text("zufällige Gewichte")
    for name in ("Stift", "Radierer", "Löschen", "Stopp"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Ein Testbeispiel der Klasse 3 einfügen")).to_be_visible()
    page.get_by_role("button", name="Stopp", exact=True).click()
    expect(page.locator("#status")).to_have_text("Live-Vorhersagen sind aus: Start drücken.")
    # the same server, in English on request
    page.goto(untrained_server_de + "/?lang=en")
    expect(page.get_by_role("button", name="Clear", exact=True)).to_be_visible()
    assert page.errors == []


def test_toggle_and_autostop_stop_requests(pages, live_server):
    from playwright.sync_api import expect

    page = pages(live_server, "/?autostop=3")
    live = page.locator("#live")
    expect(live).to_have_attribute("aria-pressed", "true")
    draw(page, DIGITS["1"])
    expect(page.locator('#bars li[data-rank="1"]')).to_have_attribute("data-class", "1", timeout=10_000)
    live.click()  # Stop
    expect(live).to_have_attribute("aria-pressed", "false")
    before = _predictions(live_server)
    page.locator("#clear").click()
    draw(page, DIGITS["7"])
    page.wait_for_timeout(800)
    assert _predictions(live_server) == before, "a stopped page still asked the server"
    assert page.locator('#bars li[data-rank="1"]').count() == 0  # cleared, and nothing new asked
    live.click()  # Start: the drawing made while stopped is answered now
    expect(page.locator('#bars li[data-rank="1"]')).to_have_attribute("data-class", "7", timeout=10_000)
    assert _predictions(live_server) > before
    # autostop: 3 s without drawing stops it by itself
    expect(live).to_have_attribute("aria-pressed", "false", timeout=8_000)
    expect(page.locator("#status")).to_contain_text("without drawing")
    stopped = _predictions(live_server)
    page.locator("#clear").click()
    draw(page, DIGITS["0"])
    page.wait_for_timeout(800)
    assert _predictions(live_server) == stopped
    assert page.errors == []


def test_raw_scores(pages, live_server):
    from playwright.sync_api import expect

    page = pages(live_server)
    draw(page, DIGITS["0"])
    expect(page.locator('#bars li[data-rank="1"] .pct')).to_have_text(re.compile(r"%$"), timeout=10_000)
    page.locator("#score-kind").select_option("score")
    values = [float(v) for _, v in _top(page)]  # logits, no "%"
    assert values == sorted(values, reverse=True) and values[0] > values[1]
    page.locator("#score-kind").select_option("probability")
    expect(page.locator('#bars li[data-rank="1"] .pct')).to_have_text(re.compile(r"%$"))


def test_bars_follow_the_drawing_and_the_final_answer_comes_fast(pages, live_server, tmp_path):
    """While a digit is drawn at a hand's pace the bars show the newest answer (marked provisional
    while the canvas has changed since); after the pen lifts, the finished drawing's answer is shown
    within 300 ms (p95 over the drawings)."""
    from playwright.sync_api import expect

    page = pages(live_server)
    updates_while_drawing = []
    page.expose_function("noteBars", lambda n: updates_while_drawing.append(n))
    page.evaluate("""() => new MutationObserver(() => { if (document.querySelector('#bars li'))
        window.noteBars(performance.now()); }).observe(document.getElementById('bars'), {childList: true})""")
    drawings = [DIGITS[d] for d in ("1", "7", "0")] * 4
    for strokes in drawings:
        page.locator("#clear").click()
        updates_while_drawing.clear()
        draw_like_a_person(page, strokes, points_per_stroke=30, ms_per_point=16)
        n_during = len(updates_while_drawing)
        expect(page.locator("#predictions")).to_have_attribute("data-provisional", "false", timeout=5_000)
        assert n_during >= 2, "the bars stood still while the digit was drawn"
    latencies = page.evaluate("window.goodfitLatencies")
    assert len(latencies) >= len(drawings) - 1, latencies
    p95 = float(np.percentile(latencies, 95))
    print(f"pen lift -> final answer: median {np.median(latencies):.0f} ms, p95 {p95:.0f} ms over {len(latencies)}")
    assert p95 <= 300, latencies
    screenshot(page, tmp_path, "serve-drawn-by-hand.png")
    assert page.errors == []


@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST files not under $GOODFIT_DATA")
def test_watch_shows_accuracy_rising(pages, start_server, tmp_path):
    """``goodfit serve --watch -d mnist -m convnet -e 3`` trains in a child process; the page swaps in each
    checkpoint and shows the epoch and its validation accuracy, which rises. A convnet on 8,000 images:
    epochs of seconds, so the page (polling each second) sees several; the MLP's epochs on an idle machine
    end before the page has loaded."""
    from playwright.sync_api import expect

    env = {**os.environ, "GOODFIT_LANG": "en"}
    with start_server("serve", "--watch", "-d", "mnist", "-m", "convnet", "-e", "3", f"out_dir={tmp_path}",
                      "optim.lr=1e-3", "data.train_subset=8000", "model.channels=16,32", env=env) as url:
        page = pages(url)
        draw(page, DIGITS["7"])
        seen: dict[int, float] = {}
        info = page.locator("#model-info")
        for _ in range(1200):  # up to 4 min: epochs of ~10-30 s, data loading first
            epoch = int(info.get_attribute("data-epoch") or 0)
            match = re.search(r"validation accuracy ([\d.]+)%", info.inner_text())
            if epoch and match:
                seen[epoch] = float(match.group(1))
            if "training finished" in info.inner_text() and epoch == 3:
                break
            page.wait_for_timeout(200)
        assert len(seen) >= 2, f"checkpoints seen: {seen}"
        accs = [seen[e] for e in sorted(seen)]
        assert accs[-1] > accs[0], seen
        expect(page.locator('#bars li[data-rank="1"]')).to_have_attribute("data-class", "7", timeout=10_000)
        screenshot(page, tmp_path, "serve-watch.png")
        assert page.errors == []
