"""``goodfit.draw``: the drawing widget, executed in a real Jupyter kernel (nbclient) and its front end
in a real browser (the anywidget module with the model interface anywidget gives it)."""

from __future__ import annotations

import base64
import json
import textwrap

import numpy as np
import pytest

import goodfit
from goodfit.errors import ConfigError
from goodfit.serve.predictor import Predictor

pytestmark = pytest.mark.e2e


def _one() -> np.ndarray:
    img = np.zeros((280, 280), np.uint8)
    img[40:240, 130:150] = 255
    return img


def test_notebook_draws_a_digit_and_reads_the_top_5(mnist_run, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("anywidget")
    cells = [
        f"""
        import json
        import numpy as np
        import goodfit
        w = goodfit.draw({str(mnist_run)!r})
        w
        """,
        """
        one = np.zeros((280, 280), np.uint8)
        one[40:240, 130:150] = 255   # a "1", white on black like the canvas
        w.draw_array(one)
        print(json.dumps(w.top))
        """,
        """
        w.draw_array(np.zeros((280, 280), np.uint8))   # an empty canvas: no answer, and why
        print(json.dumps({"top": w.top, "error": w.error}))
        """,
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells])
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                            ).execute()
    widget_view = nb.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in widget_view
    top = json.loads(nb.cells[1].outputs[0]["text"])
    assert len(top) == 5 and top[0]["class"] == "1" and top[0]["probability"] > 0.5
    assert [t["probability"] for t in top] == sorted((t["probability"] for t in top), reverse=True)
    empty = json.loads(nb.cells[2].outputs[0]["text"])
    assert empty["top"] == [] and "\n" not in empty["error"] and empty["error"]


def test_same_answer_as_the_server(mnist_run, client):
    """Same preprocessing as ``goodfit serve``: the widget's top-5 equals the API's for one picture."""
    pytest.importorskip("anywidget")
    import io

    from PIL import Image

    w = goodfit.draw(mnist_run)
    w.draw_array(_one())
    buf = io.BytesIO()
    Image.fromarray(_one()).save(buf, format="PNG")
    api = client.post("/api/predict", content=buf.getvalue(), headers={"content-type": "image/png"}).json()
    assert w.top == api["top"] and w.input_png == api["input_png"]


def test_draw_takes_runs_fit_results_predictors_and_refuses_a_bare_module(mnist_run):
    pytest.importorskip("anywidget")
    import torch

    assert goodfit.draw(Predictor.from_run(mnist_run, samples=False)).info["run"] == mnist_run.name
    loaded = goodfit.load_model(mnist_run)
    assert goodfit.draw(loaded, samples=False).info["trained"] is True
    with pytest.raises(ConfigError, match="run folder, a FitResult, a Predictor or a LoadedModel, not Linear"):
        goodfit.draw(torch.nn.Linear(784, 10))


# The anywidget front-end contract (https://anywidget.dev/en/afm/): render({model, el}) with
# model.get/set/save_changes/on/send. The page below gives the module a model backed by the test,
# which answers through the real Predictor: what a Jupyter front end does, without the notebook server.
HARNESS = """<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head><body><div id="root"></div>
<script type="module">
import widget from "/widget.js";
const state = {state};
const handlers = {{}};
window.sent = [];
const model = {{
  get: (k) => state[k],
  set: (k, v) => {{ state[k] = v; if (k === "image") window.pendingImage = v; }},
  save_changes: () => {{ if (window.pendingImage) {{
      const b = new Uint8Array(window.pendingImage.buffer); let s = "";
      for (const x of b) s += String.fromCharCode(x);
      window.answer(btoa(s)).then((a) => {{
        Object.assign(state, a); (handlers["change:top"] || []).forEach((f) => f()); }});
  }} }},
  on: (name, f) => {{ (handlers[name] = handlers[name] || []).push(f); }},
  send: (msg) => window.sent.push(msg),
}};
widget.render({{ model, el: document.getElementById("root") }});
document.body.dataset.ready = "true";
</script></body></html>"""


def test_widget_front_end_draws_and_shows_the_answer(browser, mnist_run, tmp_path):
    pytest.importorskip("anywidget")
    from playwright.sync_api import expect

    from goodfit.data.images import read_image
    from goodfit.serve.page_text import page_messages
    from goodfit.serve.widget import STATIC

    predictor = Predictor.from_run(mnist_run)
    state = {"messages": page_messages(), "info": predictor.info, "top": [], "input_png": "", "error": ""}
    html = HARNESS.format(css=(STATIC / "widget.css").read_text(), state=json.dumps(state))
    context = browser.new_context(viewport={"width": 900, "height": 600})
    context.route("http://widget.test/", lambda route: route.fulfill(body=html, content_type="text/html"))
    context.route("http://widget.test/widget.js", lambda route: route.fulfill(
        body=(STATIC / "widget.js").read_text(), content_type="text/javascript"))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    answered = []

    def answer(png_b64: str) -> dict:
        result = predictor.predict_image(read_image(base64.b64decode(png_b64), name="the canvas"))
        answered.append(result["top"][0]["class"])
        return {"top": result["top"], "input_png": result["input_png"], "error": ""}

    page.expose_function("answer", answer)
    page.goto("http://widget.test/")
    page.wait_for_selector("body[data-ready=true]")
    box = page.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + 0.52 * box["width"], box["y"] + 0.14 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.50 * box["width"], box["y"] + 0.86 * box["height"], steps=10)
    page.mouse.up()
    expect(page.locator(".bars li").first).to_have_attribute("data-class", "1", timeout=10_000)
    expect(page.locator(".bars li")).to_have_count(5)
    page.get_by_role("button", name="Insert a test sample of class 4").click()
    assert page.evaluate("window.sent") == [{"kind": "sample", "label": 4}]
    page.locator("select").select_option("score")
    assert not page.locator(".bars li .pct").first.inner_text().endswith("%")
    assert answered and answered[-1] == "1" and errors == []
    context.close()
