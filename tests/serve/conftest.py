"""Fixtures for the web app's tests: one MNIST MLP trained once per session (~20-60 s on 2 cores)."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import has_dataset

with warnings.catch_warnings():  # starlette's TestClient announces a future switch of HTTP client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def mnist_run(tmp_path_factory) -> Path:
    """A finished run of the course MLP on real MNIST (test accuracy ≈ 0.97).

    ``GOODFIT_SERVE_TEST_RUN=RUN`` reuses a finished MNIST run instead (a faster edit-test loop).
    """
    if os.environ.get("GOODFIT_SERVE_TEST_RUN"):
        return Path(os.environ["GOODFIT_SERVE_TEST_RUN"])
    if not has_dataset("mnist"):
        pytest.skip("MNIST files not under $GOODFIT_DATA")
    import goodfit

    out = tmp_path_factory.mktemp("serve-runs")
    cfg = goodfit.apply_overrides(goodfit.Config(), [
        "data.name=mnist", "train.epochs=3", "optim.schedule=onecycle", f"out_dir={out}", "name=mnist-mlp"])
    result = goodfit.fit(cfg, progress="quiet", report=False)
    assert result.metrics["test"]["accuracy"] > 0.95
    return result.run_dir


@pytest.fixture(scope="session")
def predictor(mnist_run):
    from goodfit.serve.predictor import Predictor

    return Predictor.from_run(mnist_run)


@pytest.fixture(scope="session")
def app(predictor):
    from goodfit.serve import create_app

    return create_app(predictor)


@pytest.fixture(scope="session")
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def testclient():
    """FastAPI's TestClient class, for tests that build their own app."""
    return TestClient


@contextlib.contextmanager
def serve_process(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> Iterator[str]:
    """``goodfit [ARGS] --port 0`` in a real subprocess; yields its base URL, stops it by its PID.

    ``args`` are the words after ``goodfit`` (e.g. ``"serve", RUN``). The server's log is drained
    in a thread and kept in ``serve_process.logs[url]`` for a failing test to show.
    """
    import subprocess
    import sys
    import threading
    import time

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "goodfit.cli", *args, "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, lines, deadline = None, [], time.monotonic() + timeout
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("serving ") and " at http://" in line:
                url = line.split(" at ")[1].split()[0].rstrip("/")
        assert url, "goodfit serve did not start:\n" + "".join(lines)
        threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()  # drain the log
        while httpx.get(f"{url}/api/health", timeout=5).status_code != 200:  # pragma: no cover
            time.sleep(0.1)
        serve_process.logs[url] = lines
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


serve_process.logs = {}


@pytest.fixture(scope="session")
def live_server(mnist_run):
    """``goodfit serve RUN --port 0`` of the trained MNIST run."""
    with serve_process("serve", str(mnist_run)) as url:
        yield url


@pytest.fixture(scope="session")
def start_server():
    """:func:`serve_process`, for tests that start a server of their own."""
    return serve_process


@pytest.fixture()
def pages(browser):
    """``pages(base_url, path="/", width=1100, height=900, **context_args)`` opens a page of a server
    in a fresh browser context that refuses every other host (the page must work offline), records
    page errors in ``page.errors`` and refused URLs in ``page.external``, and waits until the page
    is ready. Every page is closed after the test."""
    opened = []

    def _open(base: str, path: str = "/", *, width: int = 1100, height: int = 900, ready: bool = True,
              **context_args):
        context = browser.new_context(viewport={"width": width, "height": height}, **context_args)
        page = context.new_page()
        page.errors, page.external = [], []

        def offline(route):
            if route.request.url.startswith(base) or route.request.url.startswith("data:"):
                return route.continue_()
            page.external.append(route.request.url)
            return route.abort()

        context.route("**/*", offline)
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
        page.goto(base + path)
        if ready:
            page.wait_for_selector("body[data-ready=true]", timeout=15_000)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.context.close()
