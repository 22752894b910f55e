"""Mixed load on a real ``goodfit serve``: 2,000 valid and hostile requests from 32 concurrent clients.

Every answer must be a 2xx or a 4xx (never a 5xx, never a dropped connection), and the server must
still answer afterwards. The p95 latency of the valid predictions under this load is printed in the
reliability tally (not asserted: timings on a shared 2-core machine are noise); bench/RESULTS.md
records it with ``bench/serve_latency.py``.
"""

from __future__ import annotations

import http.client
import random
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from helpers import png_of_a_one
from reliability.harness import TALLY

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]

CLIENTS, REQUESTS = 32, 2000
JSON = "application/json"


HOSTILE = [
    (JSON, b"[" * 50_000 + b"]" * 50_000),
    (JSON, b"[[0, " + b"9" * 5000 + b"]]"),
    (JSON, b"[[0, 1" + b"0" * 400 + b"]]"),
    (JSON, b'{"pixels": [[0, NaN]]}'),
    (JSON, b'{"pixels": ' + b"[" * 40 + b"1" + b"]" * 40 + b"}"),
    (JSON, b"{pixels:"),
    (JSON, b'{"pixels": "' + b"a" * 100_000 + b'"}'),
    ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    ("image/png", b""),
    ("text/csv", b"1,2,3"),
    ("multipart/form-data; boundary=x",
     b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--x--\r\n"),
    ("multipart/form-data; boundary=x", b"--x\r\n" * 1000),
]


def _requests(seed: int) -> list[tuple[str, str, bytes, bool]]:
    """(path, content type, body, valid) for the whole run, 60 % valid predictions."""
    rng, png = random.Random(seed), png_of_a_one()
    out = []
    for _ in range(REQUESTS):
        if rng.random() < 0.6:
            out.append(("/api/predict", "image/png", png, True))
        else:
            ctype, body = rng.choice(HOSTILE)
            path = rng.choice(["/api/predict", "/api/predict?top_k=-3", "/api/predict?top_k=99999999999999999999"])
            out.append((path, ctype, body, False))
    return out


def _client(base: str, work: list[tuple[str, str, bytes, bool]]) -> list[tuple[int, float, bool]]:
    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    results = []
    for path, ctype, body, valid in work:
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers={"content-type": ctype})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            if resp.getheader("connection", "").lower() == "close":
                conn.close()
        except (ConnectionError, http.client.HTTPException):  # the server closed a hostile request's connection
            conn.close()
            status = -1
        results.append((status, time.perf_counter() - t0, valid))
    conn.close()
    return results


def test_mixed_hostile_load_gets_no_5xx_and_the_server_stays_up(live_server):
    work = _requests(seed=0)
    shares = [work[i::CLIENTS] for i in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [r for rs in pool.map(lambda share: _client(live_server, share), shares) for r in rs]
    statuses = [s for s, _t, _v in results]
    valid_ok = sorted(t for s, t, v in results if v and s == 200)
    p50, p95 = (valid_ok[int(q * (len(valid_ok) - 1))] * 1000 for q in (0.5, 0.95))
    TALLY.update({"requests": len(results), "4xx": sum(400 <= s < 500 for s in statuses),
                  "5xx": sum(s >= 500 for s in statuses), "dropped": statuses.count(-1)})
    TALLY["valid p50 ms"], TALLY["valid p95 ms"] = round(p50), round(p95)
    assert not [s for s in statuses if s >= 500], f"{sum(s >= 500 for s in statuses)} answers were 5xx"
    assert all(s == 200 for s, _t, v in results if v), "a valid prediction failed under load"
    assert statuses.count(-1) == 0, f"{statuses.count(-1)} connections were dropped"
    conn = http.client.HTTPConnection(urlsplit(live_server).hostname, urlsplit(live_server).port, timeout=30)
    conn.request("GET", "/api/health")
    assert conn.getresponse().status == 200
