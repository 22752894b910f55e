"""``goodfit serve`` as a user runs it: a real uvicorn server in a subprocess, real HTTP on loopback."""

from __future__ import annotations

import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from helpers import GOODFIT, assert_one_line_error, png_of_a_one, run_cli

pytestmark = pytest.mark.e2e
PNG = {"content-type": "image/png"}


def test_serves_page_api_and_docs(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as c:
        assert "<canvas" in c.get("/").text
        assert c.get("/docs").status_code == 200 and c.get("/openapi.json").status_code == 200
        r = c.post("/api/predict", content=png_of_a_one(), headers={"content-type": "image/png"})
        assert r.status_code == 200 and r.json()["top"][0]["class"] == "1"


def test_no_nagle_delay(live_server):
    """Answers must not wait ~40 ms for a delayed ACK: the server's connections use TCP_NODELAY."""
    with httpx.Client(base_url=live_server, timeout=30) as c:
        c.get("/api/health")
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            c.get("/api/health")
            times.append(time.perf_counter() - t0)
    assert sorted(times)[len(times) // 2] < 0.025, times


def test_bad_and_oversized_bodies_over_real_http(live_server):
    png = png_of_a_one()
    with httpx.Client(base_url=live_server, timeout=30) as c:
        r = c.post("/api/predict", content=b"\0" * (3 * 2**20), headers={"content-type": "image/png"})
        assert r.status_code == 413 and r.json()["code"] == "too_large"
        r = c.post("/api/predict", content=(b"\0" * 2**18 for _ in range(12)), headers=PNG)  # chunked
        assert r.status_code == 413
        assert c.post("/api/predict", content=b"GIF89a?", headers=PNG).status_code == 400
        nan = b'{"pixels": [[NaN, 1]]}'
        r = c.post("/api/predict", content=nan, headers={"content-type": "application/json"})
        assert r.status_code == 422 and "NaN" in r.json()["detail"]
    with httpx.Client(base_url=live_server, timeout=30) as c:  # a fresh connection still gets served
        assert c.post("/api/predict", content=png, headers={"content-type": "image/png"}).status_code == 200


def test_concurrent_clients_all_answered(live_server):
    png = png_of_a_one()

    def one(_):
        with httpx.Client(base_url=live_server, timeout=30) as c:
            return [c.post("/api/predict", content=png, headers={"content-type": "image/png"}).status_code
                    for _ in range(10)]

    with ThreadPoolExecutor(16) as pool:
        codes = [code for batch in pool.map(one, range(16)) for code in batch]
    assert codes == [200] * 160


def test_cli_errors_are_one_line(tmp_path, mnist_run):
    assert_one_line_error(run_cli("serve", tmp_path / "nope", check=False, timeout=120), "not found")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("serve", mnist_run, "--port", port, check=False, timeout=120)
    assert_one_line_error(proc, f"127.0.0.1:{port}", "--port")
    assert "serve" in run_cli("--help").stdout
    assert_one_line_error(run_cli("serve", "--workers", "2", check=False, timeout=120), "--workers > 1")
    assert_one_line_error(run_cli("serve", mnist_run, "optim.lr=1", check=False, timeout=120),
                          "overrides cannot change")


def test_several_worker_processes(mnist_run):
    """``--workers 2``: two server processes on one socket; Ctrl-C (SIGTERM here) stops them all."""
    proc = subprocess.Popen([*GOODFIT, "serve", str(mnist_run), "--port", "0", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert " at http://" in line, line + proc.stdout.read()
        url = line.split(" at ")[1].split()[0].rstrip("/")
        with httpx.Client(base_url=url, timeout=60) as c:
            assert c.post("/api/predict", content=png_of_a_one(), headers=PNG).json()["top"][0]["class"] == "1"
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) is not None
