"""Drawing on goodfit's draw-a-digit page with Playwright's mouse, and reading it back (browser tests)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# strokes in canvas fractions (0..1), each a list of points drawn as one mouse stroke
DIGITS = {
    "1": [[(0.52, 0.14), (0.50, 0.86)]],
    "0": [[(0.5 + 0.2 * math.sin(t / 24 * 2 * math.pi), 0.5 - 0.32 * math.cos(t / 24 * 2 * math.pi))
           for t in range(26)]],
    "7": [[(0.26, 0.2), (0.74, 0.2), (0.42, 0.86)]],
}


def draw(page, strokes) -> None:
    box = page.locator("#canvas").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()


def ink(page) -> int:
    return page.evaluate("""() => {
        const c = document.getElementById('canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 127) n++; return n; }""")


def screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / name)
    return path


def draw_like_a_person(page, strokes, *, points_per_stroke: int = 24, ms_per_point: int = 15) -> None:
    """Strokes drawn at a hand's pace: the mouse moves every ``ms_per_point`` ms, so predictions are
    asked for (and answered) while the drawing still changes."""
    box = page.locator("#canvas").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        segments = list(zip(points, points[1:]))
        per_segment = max(1, points_per_stroke // max(1, len(segments)))
        for (x0, y0), (x1, y1) in segments:
            for i in range(1, per_segment + 1):
                page.mouse.move(x0 + (x1 - x0) * i / per_segment, y0 + (y1 - y0) * i / per_segment)
                page.wait_for_timeout(ms_per_point)
        page.mouse.up()
