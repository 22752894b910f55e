"""What ``goodfit serve`` serves: a trained run, an untrained model, or a run as it trains (``--watch``).

Examples:
    >>> predictor, follower = open_model(None, overrides=["data.name=digits"])
    >>> predictor.info["trained"], predictor.info["run"], follower is None
    (False, None, True)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from goodfit.errors import ConfigError
from goodfit.serve.follow import Follower
from goodfit.serve.predictor import Predictor

__all__ = ["open_model"]


def open_model(target: str | Path | None, *, watch: bool = False, untrained: bool = False,
               overrides: Sequence[str] = (), device: str = "cpu", samples: bool = True, backend: str = "torch",
               poll_s: float = 0.5) -> tuple[Predictor, Follower | None]:
    """The predictor to serve first, and the follower that swaps in new checkpoints (``watch``).

    Args:
        target: a run folder; or a YAML config file; or None (the default config). ``overrides``
            (``key=value``) apply to a config, never to a finished run.
        watch: follow the run folder as it trains; for a config, start ``goodfit train`` on it in a
            new run folder (stopped with the follower) and follow that. Serves the untrained model
            until the first checkpoint lands.
        untrained: serve the freshly initialised model of the run's (or the config's) config: the
            weights its training started from.
    """
    from goodfit.config import build_config
    from goodfit.run import RunDir

    path = Path(target) if target is not None else None
    run = RunDir.open(path) if path is not None and (path.is_dir() or not path.suffix) else None
    if run is not None and overrides:
        raise ConfigError(f"{path} is a run folder, which overrides cannot change; pass its config.yaml "
                          f"instead (goodfit serve {run.path / 'config.yaml'} {' '.join(overrides)})")
    if path is not None and run is None and not path.is_file():
        raise ConfigError(f"{path}: no such run folder or config file")
    if run is not None and not (watch or untrained):
        return Predictor.from_run(run.path, device=device, samples=samples, backend=backend), None
    if backend != "torch":
        raise ConfigError("--backend onnx serves a trained run's export; untrained and --watch models run on torch")
    config = build_config(run.path / "config.yaml" if run is not None else path, overrides)  # bad config: one line
    if not watch:
        return Predictor.untrained(config, device=device, samples=samples), None
    process = None
    if run is None:
        run = RunDir.create(config.out_dir, config.name)
        process = _start_training(path, run.path, overrides)
    try:
        predictor = Predictor.untrained(config, device=device, samples=samples)
    except BaseException:
        if process is not None:
            process.terminate()
        raise
    predictor.info.update(run=run.path.name)
    return predictor, Follower(run.path, process=process, poll_s=poll_s, device=device)


def _start_training(config: Path | None, run_dir: Path, overrides: Sequence[str]) -> subprocess.Popen:
    """``goodfit train [-c CONFIG] --run-dir RUN_DIR OVERRIDES`` in a child that gets SIGTERM if this
    server dies (and that prints one line per epoch into the server's log)."""
    from goodfit.workers import die_with_parent

    cmd = [sys.executable, "-m", "goodfit.cli", "train", *(["-c", str(config)] if config else []),
           "--run-dir", str(run_dir), "--progress", "lines", *overrides]
    print(f"training {run_dir} in a child process: goodfit {' '.join(cmd[3:])}", flush=True)
    return subprocess.Popen(cmd, preexec_fn=die_with_parent)  # started before the server's threads
