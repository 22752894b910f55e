"""The web app's API through FastAPI's TestClient: every endpoint, every kind of bad input."""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import numpy as np
import pytest
from PIL import Image

from goodfit.serve.app import MAX_BODY_BYTES
from goodfit.serve.schemas import PredictionOut, SampleOut


def _encode(arr: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt)
    return buf.getvalue()


def _one(drawn: str) -> np.ndarray:
    """A canvas-like 280×280 picture: white strokes on black."""
    img = np.zeros((280, 280), np.uint8)
    if drawn == "1":
        img[40:240, 130:150] = 255
    elif drawn == "0":
        yy, xx = np.mgrid[:280, :280]
        r = np.hypot((yy - 140) / 100, (xx - 140) / 65)
        img[(r > 0.82) & (r < 1.0)] = 255
    return img


def _decode_data_url(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def _assert_error(response, status: int, code: str, *fragments: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and "\n" not in body["detail"] and body["detail"]
    for fragment in fragments:
        assert fragment in body["detail"]


# ------------------------------------------------------------------ endpoints


def test_health_and_info(client, mnist_run):
    assert client.get("/api/health").json() == {"status": "ok"}
    info = client.get("/api/info").json()
    assert info["model"] == "mlp" and info["dataset"] == "mnist" and info["run"] == mnist_run.name
    assert info["classes"] == [str(i) for i in range(10)] and info["input_shape"] == [1, 28, 28]
    assert info["style"] == "mnist" and info["samples"] is True and 0.95 < info["test_accuracy"] <= 1
    assert info["max_body_bytes"] == MAX_BODY_BYTES


def test_page_static_files_and_docs(client):
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text and "/static/app.js" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text  # works offline
    for name, kind in [("app.js", "javascript"), ("style.css", "css")]:
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/predict", "/api/samples/{label}", "/api/health", "/api/info"} <= set(schema["paths"])
    body = schema["paths"]["/api/predict"]["post"]["requestBody"]["content"]
    assert {"image/png", "image/jpeg", "multipart/form-data", "application/json"} <= set(body)


@pytest.mark.parametrize("how", ["png", "jpeg", "multipart", "json", "json-array"])
def test_predict_accepts_each_input_kind(client, how):
    img = _one("1")
    if how == "png":
        r = client.post("/api/predict", content=_encode(img), headers={"content-type": "image/png"})
    elif how == "jpeg":
        r = client.post("/api/predict", content=_encode(img, "JPEG"), headers={"content-type": "image/jpeg"})
    elif how == "multipart":
        r = client.post("/api/predict", files={"file": ("one.png", _encode(img), "image/png")})
    elif how == "json":
        r = client.post("/api/predict", json={"pixels": img[::4, ::4].tolist()})
    else:
        r = client.post("/api/predict", json=img[::4, ::4].tolist())
    assert r.status_code == 200, r.text
    top = r.json()["top"]
    assert len(top) == 5 and top[0]["class"] == "1" and top[0]["index"] == 1
    probs = [t["probability"] for t in top]
    assert probs == sorted(probs, reverse=True) and 0.5 < probs[0] <= 1
    seen = _decode_data_url(r.json()["input_png"])
    assert seen.shape == (28, 28) and seen.max() == 255


def test_predict_zero_and_top_k(client):
    r = client.post("/api/predict?top_k=3", content=_encode(_one("0")), headers={"content-type": "image/png"})
    assert r.status_code == 200 and len(r.json()["top"]) == 3 and r.json()["top"][0]["class"] == "0"
    PredictionOut.model_validate(r.json(), strict=True)  # answers skip FastAPI's re-validation: check here
    r = client.post("/api/predict?top_k=50", json={"pixels": _one("0")[::5, ::5].tolist()})
    assert len(r.json()["top"]) == 10  # capped at the number of classes
    dark_on_white = 255 - _one("1")
    r = client.post("/api/predict", content=_encode(dark_on_white), headers={"content-type": "image/png"})
    assert r.json()["top"][0]["class"] == "1"


def test_samples_each_class(client, predictor):
    right = 0
    for label in range(10):
        r = client.get(f"/api/samples/{label}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["label"] == label and body["class"] == str(label) and len(body["top"]) == 5
        SampleOut.model_validate(body, strict=True)
        assert int(predictor._samples.x is not None) and 0 <= body["test_index"] < 10_000
        image = _decode_data_url(body["image_png"])
        assert image.shape == (28, 28)
        right += body["top"][0]["class"] == str(label)
    assert right >= 8
    assert client.get("/api/samples/3?top_k=2").json()["top"].__len__() == 2


# ------------------------------------------------------------------ bad input: 4xx, JSON, and still serving


PNG = {"content-type": "image/png"}
JSON = {"content-type": "application/json"}


def _chunks(total: int):
    for _ in range(total // (256 * 1024)):
        yield b"\0" * (256 * 1024)


BAD = [
    ("not an image", dict(content=b"hello world", headers=PNG), 400, "bad_image", "not a readable image"),
    ("text file upload", dict(files={"file": ("a.txt", b"just text", "text/plain")}), 400, "bad_image", ""),
    ("multipart, no file", dict(files={"img": ("a.png", b"x", "image/png")}), 422, "missing_file", "file"),
    ("empty canvas", dict(content=_encode(np.zeros((280, 280), np.uint8)), headers=PNG), 422, "empty_image",
     "empty"),
    ("empty white paper", dict(json={"pixels": [[255] * 20] * 20}), 422, "empty_image", "empty"),
    ("1-D array", dict(json={"pixels": [1, 2, 3]}), 422, "bad_pixels", "shape (3,)"),
    ("4-D array", dict(json={"pixels": [[[[1]]]]}), 422, "bad_pixels", "shape"),
    ("3 channels, grey model", dict(json={"pixels": [[[0, 9], [9, 0]]] * 3}), 422, "bad_pixels", "(1, H, W)"),
    ("ragged rows", dict(json={"pixels": [[1, 2, 3], [4]]}), 422, "bad_pixels", "rectangular"),
    ("strings", dict(json={"pixels": [["a", "b"], ["c", "d"]]}), 422, "bad_pixels", "numbers"),
    ("empty list", dict(json={"pixels": []}), 422, "bad_pixels", "shape"),
    ("no pixels key", dict(json={"image": [[1]]}), 422, "bad_pixels", "pixels"),
    ("NaN", dict(content=b'{"pixels": [[0, NaN], [255, 0]]}', headers=JSON),
     422, "bad_pixels", "NaN"),
    ("Infinity", dict(content=b"[[0, Infinity], [255, 0]]", headers=JSON),
     422, "bad_pixels", "NaN or infinite"),
    ("null", dict(json={"pixels": [[0, None], [255, 0]]}), 422, "bad_pixels", "NaN"),
    ("beyond float32", dict(content=b"[[0, 1e300], [255, 0]]", headers=JSON), 422, "bad_pixels", "NaN or infinite"),
    ("out of range", dict(json={"pixels": [[0, 300], [-1, 0]]}), 422, "bad_pixels", "0..255"),
    ("invalid JSON", dict(content=b"{pixels:", headers=JSON), 400, "bad_json", "JSON"),
    ("nested 100,000 deep", dict(content=b"[" * 100_000 + b"]" * 100_000, headers=JSON), 400, "bad_json", "nested"),
    ("huge integer", dict(content=b"[[0, " + b"9" * 5000 + b"]]", headers=JSON), 400, "bad_json", "JSON"),
    ("integer beyond float", dict(content=b"[[0, 1" + b"0" * 400 + b"]]", headers=JSON), 422, "bad_pixels",
     "numbers"),
    ("unsupported type", dict(content=b"1,2,3", headers={"content-type": "text/csv"}), 415,
     "unsupported_media_type", "text/csv"),
    ("no content type", dict(content=b"abc"), 415, "unsupported_media_type", "(none)"),
    ("over 2 MB, declared", dict(content=b"\0" * (MAX_BODY_BYTES + 1), headers=PNG),
     413, "too_large", "2 MB"),
    ("top_k 0", dict(json={"pixels": [[0, 255]]}, params={"top_k": 0}), 422, "invalid_parameter", "top_k"),
    ("top_k text", dict(json={"pixels": [[0, 255]]}, params={"top_k": "x"}), 422, "invalid_parameter", "top"),
]


@pytest.mark.parametrize("kwargs, status, code, fragment", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_gets_a_clear_4xx_and_the_server_keeps_serving(client, kwargs, status, code, fragment):
    _assert_error(client.post("/api/predict", **kwargs), status, code, fragment)
    assert client.get("/api/health").status_code == 200
    ok = client.post("/api/predict", content=_encode(_one("1")), headers={"content-type": "image/png"})
    assert ok.status_code == 200


def test_chunked_body_over_2_mb_is_refused(client):
    r = client.post("/api/predict", content=_chunks(3 * 2**20), headers=PNG)
    _assert_error(r, 413, "too_large")
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    r = client.post("/api/predict", content=_chunks(3 * 2**20), headers=multipart)
    _assert_error(r, 413, "too_large")


def test_oversized_image_dimensions_are_refused(client):
    huge = _encode(np.zeros((5000, 4000), np.uint8))  # 20 M pixels in a few kB of PNG
    assert len(huge) < MAX_BODY_BYTES
    _assert_error(client.post("/api/predict", content=huge, headers={"content-type": "image/png"}), 400,
                  "bad_image", "at most 16,000,000")


def test_sample_errors(client):
    _assert_error(client.get("/api/samples/10"), 404, "unknown_class", "0..9")
    _assert_error(client.get("/api/samples/-1"), 404, "unknown_class")
    _assert_error(client.get("/api/samples/seven"), 422, "invalid_parameter", "label")
    _assert_error(client.get("/api/nothing"), 404, "not_found")
    _assert_error(client.get("/api/predict"), 405, "method_not_allowed")


def test_samples_unavailable_is_503_and_predictions_still_work(predictor, testclient):
    from goodfit.serve import create_app
    from goodfit.serve.predictor import Predictor

    bare = Predictor(predictor.loaded, info={**predictor.info, "samples": False}, samples=None,
                     samples_error="test images of mnist could not be loaded: moved")
    with testclient(create_app(bare)) as c:
        _assert_error(c.get("/api/samples/1"), 503, "samples_unavailable", "moved")
        assert c.get("/api/info").json()["samples"] is False
        assert c.post("/api/predict", json={"pixels": _one("1")[::4, ::4].tolist()}).status_code == 200


def test_inference_runs_off_the_event_loop(predictor, testclient):
    """A slow prediction must not hold up other requests (it runs in a worker thread)."""
    from goodfit.serve import create_app
    from goodfit.serve.predictor import Predictor

    class Slow(Predictor):
        def predict_image(self, image, *, top_k=5):
            time.sleep(1.5)
            return super().predict_image(image, top_k=top_k)

    slow = Slow(predictor.loaded, info=predictor.info, samples=None)
    with testclient(create_app(slow)) as c:
        worker = threading.Thread(target=c.post, args=("/api/predict",), kwargs={"json": _one("1").tolist()})
        worker.start()
        time.sleep(0.2)
        t0 = time.perf_counter()
        assert c.get("/api/health").status_code == 200
        assert time.perf_counter() - t0 < 0.5
        worker.join()


def test_run_that_is_not_an_image_classifier_is_refused(tmp_path):
    from goodfit.errors import RunDirError
    from goodfit.serve import create_app

    with pytest.raises(RunDirError, match="not found"):
        create_app(tmp_path / "nope")
    (tmp_path / "table.csv").write_text("a,b,label\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(200)))
    import goodfit

    overrides = [f"data.name=csv:{tmp_path / 'table.csv'}", "train.epochs=1", "train.batch_size=16",
                 f"out_dir={tmp_path}"]
    cfg = goodfit.apply_overrides(goodfit.Config(), overrides)
    run = goodfit.fit(cfg, progress="quiet", report=False).run_dir
    with pytest.raises(RunDirError, match="tabular"):
        create_app(run)


def test_json_error_bodies_are_json(client):
    r = client.post("/api/predict", content=b"x" * 10, headers={"content-type": "image/jpeg"})
    assert r.headers["content-type"].startswith("application/json")
    json.loads(r.text)
