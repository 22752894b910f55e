"""Latency and throughput of ``POST /api/predict`` on loopback, as the draw-a-digit page uses it.

The server is ``goodfit serve RUN --port 0`` in its own process; this process is the load: N
closed-loop clients (each sends its next request when the previous one is answered), a bounded
number of requests per level, after a warm-up. The body is what the page sends: a 280×280 PNG of
a drawn digit. Every answer that is not a 200 with five classes counts as an error.

The default clients are threads with the standard library's ``http.client`` (~0.3 ms CPU a
request). ``--client httpx`` uses one ``httpx.AsyncClient`` instead, which on a 2-core machine
costs more CPU per request (3-5 ms) than the server and so mostly measures itself.

Usage::

    .venv/bin/python bench/serve_latency.py                        # trains an MNIST MLP first (~20-60 s)
    .venv/bin/python bench/serve_latency.py --run runs/mnist-... --requests 1000 --clients 1,16
    .venv/bin/python bench/serve_latency.py --backends torch,onnx,torch,onnx   # PyTorch vs onnxruntime
    .venv/bin/python bench/serve_latency.py --clients 32 --requests 2000 --hostile 0.4  # valid under attack

Each backend gets its own server process, one after the other; the server's resident memory
(``VmRSS``, and its peak ``VmHWM``) is read from ``/proc`` after its last level.

Results go to ``bench/out/serve_latency.json`` and a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out" / "serve_latency.json"
PNG = {"content-type": "image/png"}


def _canvas_png() -> bytes:
    """A "7" as the page's canvas holds it: 280×280, white strokes 20 px wide on black."""
    from PIL import Image, ImageDraw

    im = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(im).line([(70, 56), (208, 56), (118, 240)], fill=255, width=20, joint="curve")
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _train_run(out: Path) -> Path:
    import goodfit

    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    cfg = goodfit.apply_overrides(goodfit.Config(), [
        "data.name=mnist", "train.epochs=3", "optim.schedule=onecycle", f"out_dir={out}", "name=bench-mlp"])
    return goodfit.fit(cfg, progress="quiet", report=False).run_dir


def _start_server(run: Path, workers: int, backend: str = "torch") -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "goodfit.cli", "serve", str(run), "--port", "0", f"--workers={workers}",
               f"--backend={backend}"]
    proc = subprocess.Popen(command,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    while line.startswith("exported "):  # the onnx backend exports the run's model first
        line = proc.stdout.readline()
    if " at http://" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    # drain the access log, or a full pipe blocks the server mid-benchmark
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, line.split(" at ")[1].split()[0].rstrip("/")


# --hostile: bodies an attacker or a broken client sends; each must get a 4xx (a 5xx counts as an error)
HOSTILE = [
    ("application/json", b"[" * 50_000 + b"]" * 50_000),
    ("application/json", b"[[0, " + b"9" * 5000 + b"]]"),
    ("application/json", b'{"pixels": [[0, NaN]]}'),
    ("application/json", b"{pixels:"),
    ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    ("text/csv", b"1,2,3"),
]


def _hostile_one(conn, rng) -> bool:
    """Send one hostile request; True when it was answered with a 4xx."""
    ctype, body = HOSTILE[rng.randrange(len(HOSTILE))]
    conn.request("POST", "/api/predict", body=body, headers={"content-type": ctype})
    r = conn.getresponse()
    r.read()
    return 400 <= r.status < 500


def _level_stdlib(url: str, body: bytes, *, clients: int, requests: int,
                  hostile: float = 0.0) -> tuple[list[float], int, float]:
    """``clients`` threads, each with one keep-alive ``http.client`` connection (~0.3 ms CPU a request).
    With ``hostile`` > 0 that share of the requests are hostile ones (not timed; a non-4xx is an error)."""
    import http.client
    import random

    host, port = url.split("//")[1].rsplit(":", 1)
    todo, latencies, errors = iter(range(requests)), [], []

    def one_client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        rng = random.Random(threading.get_ident())
        for _ in todo:  # a shared iterator: the clients together send exactly `requests`
            if hostile and rng.random() < hostile:
                try:
                    errors.append(not _hostile_one(conn, rng))
                except (OSError, http.client.HTTPException):
                    errors.append(True)
                conn.close()  # the server may close after a refused body; start afresh either way
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                continue
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/predict", body=body, headers=PNG)
                r = conn.getresponse()
                ok = r.status == 200 and len(json.loads(r.read())["top"]) == 5
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            latencies.append(time.perf_counter() - t0)
            errors.append(not ok)

    threads = [threading.Thread(target=one_client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, sum(errors), time.perf_counter() - t0


def _level_httpx(url: str, body: bytes, *, clients: int, requests: int) -> tuple[list[float], int, float]:
    """``clients`` coroutines sharing one ``httpx.AsyncClient`` (3-5 ms CPU a request here: see RESULTS)."""
    import httpx

    async def run() -> tuple[list[float], int, float]:
        latencies, errors, todo = [], 0, iter(range(requests))
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

            async def one_client() -> None:
                nonlocal errors
                for _ in todo:
                    t0 = time.perf_counter()
                    try:
                        r = await client.post("/api/predict", content=body, headers=PNG)
                        ok = r.status_code == 200 and len(r.json()["top"]) == 5
                    except httpx.HTTPError:
                        ok = False
                    latencies.append(time.perf_counter() - t0)
                    errors += not ok

            t0 = time.perf_counter()
            await asyncio.gather(*(one_client() for _ in range(clients)))
            return latencies, errors, time.perf_counter() - t0

    return asyncio.run(run())


def _level(url: str, body: bytes, *, clients: int, requests: int, client: str, server_pid: int,
           hostile: float = 0.0) -> dict:
    cpu0 = _process_cpu(server_pid)
    own0 = sum(os.times()[:2])
    if client == "stdlib":
        latencies, errors, wall = _level_stdlib(url, body, clients=clients, requests=requests, hostile=hostile)
    else:
        latencies, errors, wall = _level_httpx(url, body, clients=clients, requests=requests)
    p50, p95, p99 = (round(float(v), 2) for v in np.percentile(np.array(latencies) * 1e3, [50, 95, 99]))
    return {"clients": clients, "requests": requests, "errors": errors, "wall_s": round(wall, 3),
            "throughput_rps": round(requests / wall, 1), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
            "max_ms": round(max(latencies) * 1e3, 2),
            "server_cpu_ms_per_request": round((_process_cpu(server_pid) - cpu0) / requests * 1e3, 2),
            "client_cpu_ms_per_request": round((sum(os.times()[:2]) - own0) / requests * 1e3, 2)}


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its children (the --workers processes), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that just ended
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _backend_levels(run: Path, backend: str, body: bytes, args: argparse.Namespace) -> list[dict]:
    """One server with ``backend``: a warm-up, then each level of clients; its memory at the end."""
    proc, url = _start_server(run, args.workers, backend)
    if args.workers > 1:
        time.sleep(2 + 2 * args.workers)  # the worker processes load the model after the line is printed
    try:
        kw = {"client": args.client, "server_pid": proc.pid}
        _level(url, body, clients=4, requests=args.warmup, **kw)
        rows = [_level(url, body, clients=int(c), requests=args.requests, hostile=args.hostile, **kw)
                for c in args.clients.split(",")]
        memory = _memory_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return [{**r, "server_rss_mb": memory["VmRSS"], "server_peak_rss_mb": memory["VmHWM"]} for r in rows]


def _memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", type=Path, help="a finished MNIST run (default: train one in a temp folder)")
    ap.add_argument("--clients", default="1,16", help="comma-separated numbers of concurrent clients")
    ap.add_argument("--requests", type=int, default=1000, help="requests per level")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1, help="server processes (goodfit serve --workers)")
    ap.add_argument("--client", choices=("stdlib", "httpx"), default="stdlib",
                    help="load generator: threads with http.client (light) or one httpx.AsyncClient")
    ap.add_argument("--backends", default="torch", help="comma-separated, run in this order: torch, onnx")
    ap.add_argument("--hostile", type=float, default=0.0,
                    help="share of hostile requests mixed in (stdlib client); latencies are the valid ones'")
    args = ap.parse_args()
    body = _canvas_png()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        run = args.run or _train_run(Path(tmp))
        load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews the numbers
        for backend in args.backends.split(","):
            rows += [{"backend": backend, **r} for r in _backend_levels(run, backend, body, args)]
    meta = {"client": args.client, "workers": args.workers, "hostile": args.hostile, "cpu_count": os.cpu_count(),
            "load_avg_1m": [load_before, round(os.getloadavg()[0], 2)],
            "python": platform.python_version(), "body_bytes": len(body),
            "when": time.strftime("%Y-%m-%d %H:%M")}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "levels": rows}, indent=2) + "\n")
    print("| backend | clients | requests | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | errors "
          "| server CPU (ms/req) | client CPU (ms/req) | server RSS / peak (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        r["rss"] = f"{r['server_rss_mb']} / {r['server_peak_rss_mb']}"
        keys = ("backend", "clients", "requests", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors",
                "server_cpu_ms_per_request", "client_cpu_ms_per_request", "rss")
        cells = [r[k] for k in keys]
        print("| " + " | ".join(map(str, cells)) + " |")
    print(f"\n{meta}")


if __name__ == "__main__":
    main()
