"""Fixtures for the web app's tests: one MNIST MLP trained once per session (~20-60 s on 2 cores)."""

from __future__ import annotations

import os
import warnings
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


@pytest.fixture(scope="session")
def live_server(mnist_run):
    """``goodfit serve RUN --port 0`` in a real subprocess; yields its base URL, stops it by its PID."""
    import subprocess
    import sys
    import time

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "goodfit.cli", "serve", str(mnist_run), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, lines, deadline = None, [], time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("serving ") and " at http://" in line:
                url = line.split(" at ")[1].split()[0].rstrip("/")
        assert url, "goodfit serve did not start:\n" + "".join(lines)
        import threading

        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # drain the log
        while httpx.get(f"{url}/api/health", timeout=5).status_code != 200:  # pragma: no cover
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
