"""Experiment trackers (``train.tracking``): TensorBoard event files and MLflow runs.

    goodfit train train.tracking=mlflow            # runs/../mlflow.db; mlflow ui to browse
    goodfit train train.tracking=tensorboard,mlflow

:func:`trackers` gives the callbacks a run's config asks for; the MLflow one also logs the run's
files once they are written (:meth:`~goodfit.tracking.mlflow.MLflowTracker.finish`).
"""

from __future__ import annotations

from pathlib import Path

from goodfit.config import Config
from goodfit.errors import require
from goodfit.run import RunDir
from goodfit.tracking.mlflow import MLflowTracker, client_and_experiment, default_tracking_uri, flatten
from goodfit.train.callbacks.base import Callback

__all__ = ["trackers", "MLflowTracker", "client_and_experiment", "default_tracking_uri", "flatten", "uses",
           "check_available"]


def uses(config: Config, name: str) -> bool:
    """Whether ``config`` asks for the tracker ``name`` (``train.tensorboard=true`` is TensorBoard too)."""
    return name in config.train.tracking or (name == "tensorboard" and config.train.tensorboard)


def check_available(config: Config) -> None:
    """Fail before any work when a tracker's package is missing (one line naming the extra)."""
    if uses(config, "mlflow"):
        require("mlflow", extra="tracking", feature="train.tracking=mlflow")
    if uses(config, "tensorboard"):
        require("tensorboard", extra="tracking", feature="train.tracking=tensorboard")


def trackers(config: Config, run: RunDir, *, parent: str | None = None, role: str | None = None) -> list[Callback]:
    """The tracking callbacks ``config.train.tracking`` asks for, logging ``run``."""
    found: list[Callback] = []
    if uses(config, "tensorboard"):
        from goodfit.train.callbacks import TensorBoard

        found.append(TensorBoard(Path(run.path) / "tensorboard"))
    if uses(config, "mlflow"):
        found.append(MLflowTracker(config, run, parent=parent, role=role))
    return found
