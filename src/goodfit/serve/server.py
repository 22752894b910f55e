"""The process behind ``goodfit serve``: bind the port, load the model, run uvicorn (one process or several).

The app itself is :func:`goodfit.serve.app.create_app`; what it serves, :func:`goodfit.serve.sources.open_model`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from goodfit.errors import ConfigError, GoodfitError
from goodfit.serve.app import create_app

__all__ = ["serve"]


def serve(run: str | Path | None = None, *, watch: bool = False, untrained: bool = False,
          overrides: Sequence[str] = (), host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          device: str = "cpu", log_level: str = "info", access_log: bool = False, torch_threads: int | None = 1,
          backend: str = "torch") -> None:
    """Serve ``run`` until Ctrl-C (or, as :func:`~goodfit.serve.sources.open_model` explains, an
    untrained model, or a run as it trains with ``watch``); ``port=0`` picks a free port (printed).

    ``workers`` > 1 starts that many server processes on the one socket, each with the model
    loaded once: a prediction is mostly Python work under one GIL, so one process uses about one
    core. ``torch_threads=1`` (the default) gives each prediction one CPU thread: one image gains
    nothing from intra-op parallelism, and several worker threads each with a team of threads
    would fight over the cores (bench/serve_latency.py). ``None`` leaves torch's setting.
    """
    import uvicorn

    from goodfit.serve.sources import open_model

    if workers > 1 and (watch or untrained or run is None):
        raise ConfigError("--workers > 1 serves a finished run; an untrained model and --watch use one process")
    sock = _bind(host, port)  # a busy port fails at once, before seconds of loading
    try:  # a bad run or config fails here, on one line
        predictor, follower = open_model(run, watch=watch, untrained=untrained, overrides=overrides, device=device,
                                         backend=backend)
        app = create_app(predictor, follower=follower)
    except BaseException:
        sock.close()
        raise
    url = f"http://{host if ':' not in host else f'[{host}]'}:{sock.getsockname()[1]}/"
    info = predictor.info
    what = (f"{info['run']} ({backend})" if info["trained"] and not watch
            else f"{info['model']} on {info['dataset']}, " + ("following run " + info["run"] if watch else "untrained"))
    print(f"serving {what} at {url} (Ctrl-C stops)", flush=True)
    common = {"log_level": log_level, "access_log": access_log, "timeout_graceful_shutdown": 2}
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        os.environ.update({"GOODFIT_SERVE_RUN": str(run), "GOODFIT_SERVE_DEVICE": device,
                           "GOODFIT_SERVE_BACKEND": backend, "GOODFIT_SERVE_TORCH_THREADS": str(torch_threads or "")})
        del app, predictor  # each worker process loads its own copy
        config = uvicorn.Config(f"{__name__}:_app_from_environment", factory=True, workers=workers, **common)
        Multiprocess(config, sockets=[sock]).run()
    else:
        _set_torch_threads(torch_threads)
        uvicorn.Server(uvicorn.Config(app, **common)).run(sockets=[sock])


def _app_from_environment() -> FastAPI:
    """The app of one ``serve(workers > 1)`` process (uvicorn imports it by name in each process)."""
    _set_torch_threads(int(os.environ.get("GOODFIT_SERVE_TORCH_THREADS") or 0) or None)
    return create_app(os.environ["GOODFIT_SERVE_RUN"], device=os.environ.get("GOODFIT_SERVE_DEVICE", "cpu"),
                      backend=os.environ.get("GOODFIT_SERVE_BACKEND", "torch"))


def _set_torch_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on connections of such sockets, and
    # without it every answer waits for the client's delayed ACK (Nagle's algorithm)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise GoodfitError(f"cannot listen on {host}:{port} ({exc.strerror}); pass another --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
