"""Data-parallel training on several processes: ``goodfit train ... --nproc 2`` (``train.nproc``).

:func:`launch_fit` starts ``nproc`` copies of this module (``python -m goodfit.launch.ddp``) with
torchrun's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``
on a free port). Each copy calls :func:`goodfit.fit`, which joins the process group through
:func:`~goodfit.train.distributed.join` (``env://`` rendezvous; gloo on the CPU, nccl on CUDA) and
trains one rank: the launcher sits above ``fit``, and ``fit`` never starts processes itself. Rank 0
writes the run folder and hands its result back through a file. When a rank fails, the others are
stopped and its error is raised here, on one line: nothing waits forever.

An outer launcher scales the same command to several machines (docs/distributed.md):

- ``srun`` with one task per rank, or ``torchrun`` (``train.nproc=1``): each process *is* a rank;
  :func:`~goodfit.train.distributed.outer_rendezvous` reads ``SLURM_PROCID``/``SLURM_STEP_NUM_TASKS``/
  ``SLURM_LOCALID`` (master: the first host of the step's node list) or torchrun's variables;
- ``srun`` with one task per node and ``train.nproc=N``: each task starts N ranks, numbered
  ``task * N + i``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import goodfit.errors
from goodfit.errors import ConfigError, GoodfitError, LaunchError
from goodfit.train.distributed import WORKER_FLAG, Rendezvous, outer_rendezvous
from goodfit.workers import usable_cores

if TYPE_CHECKING:
    from goodfit.config import Config
    from goodfit.experiment import FitResult

__all__ = ["launch_fit", "run_fit"]

STOP_GRACE_S = 30.0  # after Ctrl-C, how long rank 0 gets to save the run as interrupted


# --------------------------------------------------------------------------- the launcher


def launch_fit(config: Config | None, *, run_dir: str | Path | None = None, resume: str | Path | None = None,
               progress: str = "auto", report: bool = True, callbacks: Sequence[Any] = ()) -> FitResult:
    """Train on ``config.train.nproc`` processes of this machine (or continue the run ``resume`` on
    as many as it was started with) and return rank 0's result.

    Under ``srun``/``torchrun`` this process is one of several launchers (one per node): its ranks are
    numbered after the outer rank, and the result it returns is that of its first rank.
    """
    from goodfit.config import config_to_dict, load_config
    from goodfit.run import RunDir

    if callbacks:
        raise ConfigError("custom callbacks cannot reach the processes of train.nproc > 1; use "
                          "train.nproc=1, or start the ranks with torchrun/srun and pass them to fit in each")
    if config is None and resume is None:
        raise ConfigError("launch_fit needs a config, or resume=RUN to continue a run")
    settings = config if config is not None else load_config(RunDir.open(resume).path)
    nproc = settings.train.nproc
    _check_device(settings.train.device, nproc)
    base = outer_rendezvous() or Rendezvous(0, 1, 0, "127.0.0.1", _free_port())
    if resume is None and run_dir is not None and base.rank == 0:
        RunDir.ensure_new(run_dir)  # before any process starts
    spec_dir = Path(tempfile.mkdtemp(prefix="goodfit-ddp-"))
    procs: list[subprocess.Popen] = []
    try:
        spec = {"config": config_to_dict(settings), "run_dir": _str(run_dir), "resume": _str(resume),
                "progress": progress, "report": report}
        (spec_dir / "spec.json").write_text(json.dumps(spec))
        cmd = [sys.executable, "-m", "goodfit.launch.ddp", str(spec_dir)]
        procs += [subprocess.Popen(cmd, env=_worker_env(base, nproc, i)) for i in range(nproc)]
        _wait(procs, spec_dir, first_rank=base.rank * nproc)
        return _result(spec_dir / f"result-{base.rank * nproc}.pt")
    finally:
        for p in procs:  # whatever happened here, no rank outlives it
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(spec_dir, ignore_errors=True)


def run_fit(config: Config | None, *, resume: str | Path | None = None, **kwargs: Any) -> FitResult:
    """:func:`launch_fit` when the run asks for several processes (``train.nproc > 1``), else
    :func:`goodfit.fit` in this process: what ``goodfit train``, the studies and Slurm jobs call."""
    from goodfit.config import load_config
    from goodfit.experiment import fit
    from goodfit.run import RunDir

    saved = config if config is not None or resume is None else load_config(RunDir.open(resume).path)
    if saved is not None and saved.train.nproc > 1:
        return launch_fit(config, resume=resume, **kwargs)
    return fit(config, resume=resume, **kwargs)


def _check_device(device_name: str, nproc: int) -> None:
    """Fail here, before any process starts, on a device the ranks could not share."""
    import torch

    from goodfit.train.device import resolve_device

    device = resolve_device(device_name)
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"data-parallel training runs on cpu or cuda, not {device.type}; set train.device")
    if device.type == "cuda" and nproc > torch.cuda.device_count():
        raise ConfigError(f"train.nproc={nproc} on cuda needs {nproc} GPUs but {torch.cuda.device_count()} "
                          "are visible; nccl runs one process per GPU: lower --nproc")


def _str(path: str | Path | None) -> str | None:
    return None if path is None else str(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker_env(base: Rendezvous, nproc: int, i: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(RANK=str(base.rank * nproc + i), WORLD_SIZE=str(base.world_size * nproc),
               LOCAL_RANK=str(base.local_rank * nproc + i), MASTER_ADDR=base.master_addr,
               MASTER_PORT=str(base.master_port), **{WORKER_FLAG: "1"})
    env.setdefault("OMP_NUM_THREADS", str(max(1, usable_cores() // nproc)))  # ranks must not fight for the cores
    src = str(Path(goodfit.__file__).resolve().parents[1])
    if src not in sys.path:  # e.g. an editable install through an import hook: the workers import this goodfit
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def _wait(procs: list[subprocess.Popen], spec_dir: Path, *, first_rank: int) -> None:
    """Until every rank exits 0; the first failure stops the others and is raised."""
    try:
        while True:
            codes = [p.poll() for p in procs]
            failed = [(i, c) for i, c in enumerate(codes) if c not in (None, 0)]
            # a rank with a user error reports it and waits: the others are stopped before they see it
            # vanish (and print that as a crash of their own)
            reported = {int(p.stem.split("-")[1]) - first_rank for p in spec_dir.glob("error-*.json")}
            if failed or reported:
                healthy = [p for i, p in enumerate(procs) if i not in reported]
                _stop(healthy + [procs[i] for i in sorted(reported)], signal.SIGTERM, grace=5.0)
                raise _failure(spec_dir, failed, first_rank=first_rank)
            if all(c == 0 for c in codes):
                return
            time.sleep(0.05)
    except KeyboardInterrupt:  # the ranks ignore Ctrl-C: rank 0 is asked to save the run as interrupted
        result = spec_dir / f"result-{first_rank}.pt"
        if first_rank == 0 and procs[0].poll() is None:
            procs[0].send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + STOP_GRACE_S
            while not result.is_file() and procs[0].poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        _stop(procs[1:] + procs[:1], signal.SIGTERM, grace=5.0)  # the others wait in a collective for it
        if result.is_file():
            return
        raise


def _stop(procs: list[subprocess.Popen], sig: int, *, grace: float) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(sig)
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _failure(spec_dir: Path, failed: list[tuple[int, int]], *, first_rank: int) -> GoodfitError:
    """The user error a rank reported (lowest rank first), else which rank died and how."""
    for path in sorted(spec_dir.glob("error-*.json")):
        err = json.loads(path.read_text())
        cls = getattr(goodfit.errors, err["type"], None)
        if not (isinstance(cls, type) and issubclass(cls, GoodfitError)):
            cls = GoodfitError
        return cls(err["message"])
    i, code = failed[0]
    how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
    return LaunchError(f"the training process of rank {first_rank + i} {how} (its output is above); "
                       "the other ranks were stopped")


def _result(path: Path) -> FitResult:
    import torch

    from goodfit.experiment import FitResult

    saved = torch.load(path, map_location="cpu", weights_only=False)
    return FitResult(Path(saved["run_dir"]), saved["history"], saved["metrics"], saved["model"],
                     saved["findings"], rank=saved["rank"])


# --------------------------------------------------------------------------- one worker process


def _worker_main(spec_dir: Path) -> int:
    """One rank: ``fit`` with the launcher's arguments; the result (or a user error) goes to ``spec_dir``."""
    import torch

    from goodfit.config import config_from_dict
    from goodfit.experiment import fit
    from goodfit.run import atomic_write_bytes, atomic_write_json

    spec = json.loads((spec_dir / "spec.json").read_text())
    rank = int(os.environ["RANK"])
    # Ctrl-C goes to the launcher; it turns into a KeyboardInterrupt in rank 0 alone (SIGUSR1), which
    # saves the run as interrupted while the others wait in their next collective. Slurm's USR2 before
    # the time limit is the launcher's (submitit requeues the job), too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    if rank == 0:
        signal.signal(signal.SIGUSR1, signal.default_int_handler)
    try:
        config = config_from_dict(spec["config"]) if spec["resume"] is None else None
        result = fit(config, run_dir=spec["run_dir"], resume=spec["resume"], progress=spec["progress"],
                     report=spec["report"])
    except GoodfitError as exc:
        error = {"type": type(exc).__name__, "message": str(exc)}
        atomic_write_json(spec_dir / f"error-{rank:05d}.json", error)
        time.sleep(STOP_GRACE_S)  # the launcher stops the other ranks first: they must not report our exit
        return 2
    except KeyboardInterrupt:
        return 130
    import io

    buf = io.BytesIO()
    torch.save({"run_dir": str(result.run_dir), "history": result.history, "metrics": result.metrics,
                "findings": result.findings, "model": result.model if rank == 0 else None, "rank": rank}, buf)
    atomic_write_bytes(spec_dir / f"result-{rank}.pt", buf.getvalue())
    if result.status == "interrupted":
        time.sleep(STOP_GRACE_S)  # the launcher stops the others (waiting for us) first
    return 0


if __name__ == "__main__":
    from goodfit.launch import ddp  # the importable module, not this __main__ copy

    sys.exit(ddp._worker_main(Path(sys.argv[1])))
