"""``goodfit optim walk`` writes a self-contained page whose animation plays in a real browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_cli

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("optim")
    proc = run_cli("optim", "walk", "himmelblau", "--hikers", "4", "--starts", "grid", "--out-dir", out)
    assert "hiker 4: (3, 2)" in proc.stdout and "lr 0.1: diverging" in proc.stdout
    path = next(out.glob("optim-himmelblau-*/optim.html"))
    assert (path.parent / "walk.gif").read_bytes()[:6] == b"GIF89a"
    return path


def test_the_page_is_self_contained(page):
    html = page.read_text()
    assert "http://" not in html and "https://" not in html and html.count("data:image/png;base64,") >= 5
    animation = json.loads(html.split("const A = ", 1)[1].split(";\n", 1)[0])
    assert animation["lrs"] == [0.001, 0.003, 0.01, 0.03, 0.1] and len(animation["paths"][0]) == 4


@pytest.mark.e2e
def test_the_animation_plays_and_the_lr_slider_switches_paths(page, browser):
    tab = browser.new_page(viewport={"width": 1000, "height": 900})
    tab.goto(page.as_uri())
    tab.wait_for_function("document.getElementById('map').dataset.step === '0'")
    before = tab.eval_on_selector("#map", "c => c.toDataURL()")
    tab.click("#play")
    tab.wait_for_function("+document.getElementById('map').dataset.step > 5", timeout=10_000)
    assert tab.eval_on_selector("#map", "c => c.toDataURL()") != before  # the hikers moved on the canvas
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "optim-walk-playing.png"))  # kept by CI, for a person to look at
    tab.eval_on_selector("#lr", "el => { el.value = 4; el.dispatchEvent(new Event('input')); }")
    assert tab.text_content("#lr-out") == "0.1"
    tab.close()


def test_optim_list_and_bad_input():
    assert "himmelblau" in run_cli("optim", "list").stdout
    assert_one_line_error(run_cli("optim", "walk", "expr:__import__('os')", check=False), "may only use numbers")
    assert_one_line_error(run_cli("optim", "walk", "nope", check=False), "unknown landscape 'nope'")
    assert_one_line_error(run_cli("optim", "walk", "quadratic", "--lrs", "a,b", check=False), "--lrs must be numbers")
