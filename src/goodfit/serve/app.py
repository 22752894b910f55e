"""The FastAPI app behind ``goodfit serve``: a draw-a-digit page and a small prediction API.

Routes: ``GET /`` (the page, ``templates/index.html`` in the server's language, or ``?lang=de``),
``POST /api/predict``, ``GET /api/samples/{label}``, ``GET /api/info``, ``GET /api/stats``,
``GET /api/health``; OpenAPI docs at ``/docs``. The model is loaded once when the app is made (with
``--watch``, again at each new checkpoint); each prediction (decoding, preprocessing, forward pass)
runs in a worker thread so the event loop keeps serving. Bad input gets a 4xx with a JSON body
``{"detail", "code"}``.

Examples:
    >>> from fastapi.testclient import TestClient
    >>> from goodfit import Config, apply_overrides, fit
    >>> cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=2", "out_dir=/tmp/goodfit-doc"])
    >>> client = TestClient(create_app(fit(cfg, progress="quiet", report=False).run_dir))
    >>> client.get("/api/health").json()
    {'status': 'ok'}
    >>> r = client.post("/api/predict?top_k=3", json={"pixels": [[0, 255, 255, 0]] * 6})
    >>> r.status_code, len(r.json()["top"])
    (200, 3)
    >>> client.post("/api/predict", json={"pixels": [[0, 0], [0, 0]]}).json()["code"]
    'empty_image'
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import numpy as np
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from goodfit.data.images import EmptyImageError, read_image
from goodfit.errors import DataError, GoodfitError
from goodfit.i18n import LANGUAGES, use_language
from goodfit.serve.follow import Follower
from goodfit.serve.page_text import page_messages
from goodfit.serve.predictor import Predictor, SamplesUnavailableError
from goodfit.serve.schemas import (
    PREDICT_BODY,
    PREDICT_ERRORS,
    SAMPLE_ERRORS,
    HealthOut,
    InfoOut,
    PredictionOut,
    SampleOut,
    StatsOut,
)

__all__ = ["create_app", "MAX_BODY_BYTES", "ApiError"]

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096  # a pixel array's height or width
MAX_JSON_DEPTH = 8  # {"pixels": (C, H, W)} is 4 deep
STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "application/octet-stream")


class ApiError(Exception):
    """A 4xx answer: ``status``, a one-line ``detail`` for people and a ``code`` for programs."""

    def __init__(self, status: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code


def create_app(run: str | Path | Predictor, *, device: str = "cpu", samples: bool = True,
               workers: int = 2, backend: str = "torch", follower: Follower | None = None) -> FastAPI:
    """The web app for a trained run (or a ready :class:`~goodfit.serve.predictor.Predictor`).

    Args:
        run: a run folder, or a predictor (e.g. :meth:`Predictor.untrained`).
        device: where the model runs.
        samples: load the run's test images for "insert a test sample".
        backend: ``torch``, or ``onnx`` (onnxruntime on the run's exported model).
        workers: predictions that may run at once (worker threads); more wait their turn. Most of
            a prediction holds the GIL, so more threads than cores only add contention.
        follower: swaps in each new checkpoint of a training run (``goodfit serve --watch``); it
            starts with the app and stops with it (and with it the training it started).
    """
    predictor = run if isinstance(run, Predictor) else Predictor.from_run(run, device=device, samples=samples,
                                                                          backend=backend)
    info = predictor.info
    app = FastAPI(
        title="goodfit: draw a digit",
        description=f"Predictions of the {info['model']} on {info['dataset']} (run {info['run']}).",
        version="1",
        docs_url=None,  # served by _add_docs from local files: the docs work offline too
        lifespan=_lifespan,
    )
    app.state.predictor = predictor
    app.state.version = 1  # bumps with each model swapped in, so the page knows to ask again
    app.state.follower = follower
    app.state.counts = {"predictions": 0, "samples": 0}
    app.state.count_lock = threading.Lock()
    app.state.limiter = anyio.CapacityLimiter(workers)
    if follower is not None:
        follower.on_model = lambda loaded: _swap(app, loaded)
    _add_error_handlers(app)
    _add_routes(app)
    _add_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(_BodyLimit, max_bytes=MAX_BODY_BYTES)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    follower = app.state.follower
    if follower is not None:
        follower.start()
    try:
        yield
    finally:
        if follower is not None:
            await anyio.to_thread.run_sync(follower.stop)


def _swap(app: FastAPI, loaded: Any) -> None:
    """A new checkpoint, whole (checkpoints are renamed into place): serve it from the next request on."""
    app.state.predictor = app.state.predictor.with_model(loaded)
    app.state.version += 1


def _count(request: Request, what: str) -> None:
    with request.app.state.count_lock:
        request.app.state.counts[what] += 1


def _add_routes(app: FastAPI) -> None:
    page = _page_template()

    @app.get("/", include_in_schema=False)
    def index(lang: str | None = Query(None, description="en or de (else the server's language)")) -> HTMLResponse:
        with use_language(lang if lang in LANGUAGES else None):
            messages = page_messages()
        as_json = json.dumps(messages, ensure_ascii=False).replace("</", "<\\/")  # safe inside <script>
        html = page.render(T=messages, lang=messages["lang"], messages_json=as_json)
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    @app.get("/api/health", response_model=HealthOut, summary="Is the server up?")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/info", response_model=InfoOut,
             summary="The model served: name, classes, how far it is trained, test accuracy")
    def info(request: Request) -> dict[str, Any]:
        state = request.app.state
        follower = state.follower
        return {**state.predictor.info, "version": state.version, "watch": follower is not None,
                "training": follower.status if follower is not None else None, "max_body_bytes": MAX_BODY_BYTES}

    @app.get("/api/stats", response_model=StatsOut, summary="Requests answered since the server started")
    def stats(request: Request) -> dict[str, int]:
        return dict(request.app.state.counts)

    @app.post("/api/predict", response_model=PredictionOut, responses=PREDICT_ERRORS,
              openapi_extra=PREDICT_BODY,
              summary="Top-k classes of an image (upload) or a pixel array (JSON)")
    async def predict(request: Request, top_k: int = Query(5, ge=1, le=1000, description="classes returned")):
        _count(request, "predictions")
        kind, payload = await _read_payload(request)
        predictor = request.app.state.predictor
        answer = await anyio.to_thread.run_sync(_predict_payload, predictor, kind, payload, top_k,
                                                limiter=request.app.state.limiter)
        return JSONResponse(answer)  # built by goodfit, already of PredictionOut's shape: not validated again

    @app.get("/api/samples/{label}", response_model=SampleOut, responses=SAMPLE_ERRORS,
             summary="A random test image of class index `label` and its prediction")
    async def sample(request: Request, label: int, top_k: int = Query(5, ge=1, le=1000)):
        _count(request, "samples")
        predictor = request.app.state.predictor
        try:
            answer = await anyio.to_thread.run_sync(lambda: predictor.sample(label, top_k=top_k),
                                                    limiter=request.app.state.limiter)
        except SamplesUnavailableError as exc:
            raise ApiError(503, str(exc), "samples_unavailable") from None
        except DataError as exc:
            raise ApiError(404, str(exc), "unknown_class") from None
        return JSONResponse(answer)


def _page_template() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(), keep_trailing_newline=True)
    return env.get_template("index.html")


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the swagger-ui-bundle-v2 package (FastAPI's default loads a CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - a dependency; without it the CDN version still works online
        swagger_ui_path, prefix = None, None
    else:
        prefix = "/static/swagger-ui"
        app.mount(prefix, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs():
        if prefix is None:  # pragma: no cover
            return get_swagger_ui_html(openapi_url="/openapi.json", title=app.title)
        return get_swagger_ui_html(openapi_url="/openapi.json", title=app.title + " (API)",
                                   swagger_js_url=f"{prefix}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{prefix}/swagger-ui.css",
                                   swagger_favicon_url="data:,")


async def _read_payload(request: Request) -> tuple[str, Any]:
    """Read the body (the size limit is enforced around the app) and tell what it holds."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "the multipart body needs an image file in a field named 'file'",
                           "missing_file")
        return "image", await upload.read()
    if ctype in _IMAGE_TYPES:
        return "image", await request.body()
    if ctype == "application/json" or ctype.endswith("+json"):
        return "json", await request.body()
    raise ApiError(415, f"unsupported content type {ctype or '(none)'!r}; send an image (image/png, "
                        "image/jpeg or multipart field 'file') or JSON {\"pixels\": [[...]]}",
                   "unsupported_media_type")


def _predict_payload(predictor: Predictor, kind: str, payload: bytes, top_k: int) -> dict[str, Any]:
    """Decode, preprocess and predict, in a worker thread (all of it is CPU work)."""
    try:
        image = read_image(payload, name="the upload") if kind == "image" else _pixels(payload, predictor)
    except DataError as exc:
        raise ApiError(400 if kind == "image" else 422, str(exc), "bad_image" if kind == "image"
                       else "bad_pixels") from None
    try:
        return predictor.predict_image(image, top_k=top_k)
    except EmptyImageError as exc:
        raise ApiError(422, str(exc), "empty_image") from None


def _pixels(body: bytes, predictor: Predictor) -> np.ndarray:
    """A JSON ``{"pixels": ...}`` (or bare array) as ``(H, W)`` grey or ``(H, W, 3)`` RGB, 0..255."""
    if json_depth(body) > MAX_JSON_DEPTH:  # before parsing: deep nesting would exhaust the parser's stack
        raise ApiError(400, f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep; send "
                            '{"pixels": [[...], ...]}', "bad_json")
    try:
        doc = json.loads(body)  # accepts NaN and Infinity literals, rejected below with a clear message
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {str(exc)[:200]}", "bad_json") from None
    pixels = doc.get("pixels") if isinstance(doc, dict) else doc
    if not isinstance(pixels, list):
        raise DataError('send {"pixels": [[...], ...]}: an (H, W) or (C, H, W) array of grey levels 0-255')
    try:
        with np.errstate(over="ignore"):  # 1e300 becomes inf, rejected below with the NaN check's message
            arr = np.asarray(pixels, dtype=np.float32)
    except (ValueError, TypeError, OverflowError):  # OverflowError: an integer beyond any float
        raise DataError("pixels must be a rectangular array of numbers 0-255, (H, W) or (C, H, W)") from None
    channels = predictor.input_shape[0]
    if arr.ndim == 3 and arr.shape[0] in {1, channels}:
        arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    if arr.ndim != 2 and not (arr.ndim == 3 and arr.shape[2] == 3):
        allowed = "(H, W)" + (" or (1, H, W)" if channels == 1 else f" or ({channels}, H, W)")
        raise DataError(f"pixels has shape {tuple(np.shape(pixels)) if arr.ndim else ()}; send {allowed}")
    if min(arr.shape[:2]) < 1 or max(arr.shape[:2]) > MAX_SIDE:
        raise DataError(f"pixels is {arr.shape[0]}x{arr.shape[1]}; height and width must be 1..{MAX_SIDE}")
    if not np.isfinite(arr).all():
        raise DataError("pixels holds NaN or infinite values; send finite grey levels 0-255")
    if arr.min() < 0 or arr.max() > 255:
        raise DataError(f"pixel values must lie in 0..255, found {arr.min():g}..{arr.max():g}")
    return arr


def json_depth(body: bytes) -> int:
    """The deepest nesting of ``[`` / ``{`` in a JSON text, counted in one vectorised pass (brackets
    inside strings count too: an over-estimate, which only makes the limit stricter).

    Examples:
        >>> json_depth(b'{"pixels": [[0, 1], [2, 3]]}'), json_depth(b"[" * 9000), json_depth(b"7")
        (3, 9000, 0)
    """
    codes = np.frombuffer(body, dtype=np.uint8)
    steps = np.isin(codes, (91, 123)).astype(np.int32) - np.isin(codes, (93, 125)).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def _add_error_handlers(app: FastAPI) -> None:
    def answer(status: int, detail: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return answer(exc.status, exc.detail, exc.code)

    @app.exception_handler(GoodfitError)
    async def _user_error(request: Request, exc: GoodfitError) -> JSONResponse:
        return answer(422, str(exc), "bad_input")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()]
        return answer(422, "; ".join(parts), "invalid_parameter")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        return answer(exc.status_code, str(exc.detail), code, exc.headers)  # keeps 405's Allow


class _TooLarge(Exception):
    pass


class _BodyLimit:
    """ASGI wrapper: bodies over ``max_bytes`` get a 413, whether declared or streamed (chunked)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            return await self._reject(scope, send, declared.isdigit())
        seen, started = 0, False

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        async def watched_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if started:  # pragma: no cover - the app answers only after reading the body
                raise
            await self._reject(scope, send, True)

    async def _reject(self, scope: dict, send: Any, too_large: bool) -> None:
        status, detail, code = (
            (413, f"the request body is larger than {self.max_bytes // 2**20} MB; send a smaller image",
             "too_large") if too_large else (400, "the Content-Length header is not a number", "bad_request"))
        await JSONResponse({"detail": detail, "code": code}, status_code=status)(scope, _no_receive, send)


async def _no_receive() -> dict:  # pragma: no cover - a JSONResponse never reads the request
    return {"type": "http.disconnect"}
