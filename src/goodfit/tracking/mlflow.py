"""MLflow tracking (``train.tracking=mlflow``): a goodfit run as an MLflow run.

What is logged: the resolved config as params (dotted keys), seed, versions and git commit as tags,
every epoch's history row as metrics (step = epoch), and at the end the run's final numbers
(``test.accuracy``, ``valid.loss``...), its status, and its files (``findings.json``,
``metrics.json``, ``config.yaml``, ``history.csv``, ``report.html`` and ``checkpoints/best.pt``).

Where: ``$MLFLOW_TRACKING_URI`` if set (any server or database MLflow supports); otherwise a local
SQLite store beside the runs folder (``<out_dir>/../mlflow.db``, artifacts in ``../mlruns/``),
which ``mlflow ui --backend-store-uri sqlite:///mlflow.db`` opens. The experiment is
``$MLFLOW_EXPERIMENT_NAME`` or ``goodfit``. A run folder remembers its MLflow run
(``tracking.json``), so ``--resume`` goes on logging into the same one.

Only MLflow's client API is used (no global active run), so trials of a search in one process, or
several processes at once, each log to their own run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from goodfit.config import Config, config_to_dict
from goodfit.errors import require
from goodfit.run import RunDir, atomic_write_json, environment_meta
from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["MLflowTracker", "default_tracking_uri", "client_and_experiment", "flatten", "STATUS"]

EXPERIMENT = "goodfit"
STATE_FILE = "tracking.json"
ARTIFACTS = ("config.yaml", "metrics.json", "findings.json", "history.csv", "report.html", "checkpoints/best.pt")
STATUS = {"completed": "FINISHED", "diverged": "FAILED", "interrupted": "KILLED"}


def default_tracking_uri(out_dir: str | Path) -> tuple[str, str | None]:
    """(tracking URI, artifact location for a new experiment): ``$MLFLOW_TRACKING_URI``, or a SQLite
    file and an ``mlruns`` folder beside ``out_dir``."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri, None
    home = Path(out_dir).resolve().parent
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'mlflow.db'}", (home / "mlruns").as_uri()


def client_and_experiment(uri: str, artifact_location: str | None) -> tuple[Any, str]:
    """An ``MlflowClient`` on ``uri`` and the id of the experiment goodfit logs to (created if new)."""
    require("mlflow", extra="tracking", feature="train.tracking=mlflow")
    import logging

    from mlflow.tracking import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # its store-migration INFO lines are not ours
    logging.getLogger("alembic").setLevel(logging.WARNING)
    client = MlflowClient(tracking_uri=uri)
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return client, experiment.experiment_id
    try:
        return client, client.create_experiment(name, artifact_location=artifact_location)
    except Exception:  # another process created it a moment ago
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return client, experiment.experiment_id


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys: ``{"optim": {"lr": 3e-3}}`` -> ``{"optim.lr": 3e-3}``.

    Examples:
        >>> flatten({"optim": {"lr": 0.003}, "seed": 0, "model": {"hidden": [64, 64]}})
        {'optim.lr': 0.003, 'seed': 0, 'model.hidden': [64, 64]}
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


class MLflowTracker(Callback):
    """Logs one goodfit run to MLflow (see the module doc). ``parent``: the MLflow run id this run is a
    child of (a search study's). Logging problems never stop training: they are reported once."""

    def __init__(self, config: Config, run: RunDir, *, parent: str | None = None, role: str | None = None) -> None:
        self.config, self.run, self.parent, self.role = config, run, parent, role
        self.client: Any = None
        self.run_id: str | None = None
        self._broken = False

    # ------------------------------------------------------------------ events
    def on_fit_start(self, state: TrainState) -> None:
        self._safely(self._start)

    def on_epoch_end(self, state: TrainState) -> None:
        row = {k: float(v) for k, v in state.last.items() if k != "epoch" and isinstance(v, (int, float))}
        self._safely(lambda: self._log_metrics(row, step=state.epoch))

    def finish(self, metrics: dict[str, Any]) -> None:
        """After the run's files are written: final numbers, the files, and the MLflow status."""
        self._safely(lambda: self._finish(metrics))

    # ------------------------------------------------------------------ work
    def _start(self) -> None:
        uri, artifacts = default_tracking_uri(self.config.out_dir)
        saved = self.run.path / STATE_FILE
        state = self.run.read_json(STATE_FILE).get("mlflow", {}) if saved.is_file() else {}
        if state.get("run_id"):  # a resumed run goes on in its MLflow run
            self.client, _ = client_and_experiment(state.get("tracking_uri", uri), artifacts)
            self.run_id = state["run_id"]
            self.client.update_run(self.run_id, status="RUNNING")
            return
        self.client, experiment_id = client_and_experiment(uri, artifacts)
        meta = environment_meta()
        tags = {"goodfit.run_dir": str(self.run.path), "goodfit.git_commit": str(meta.get("git_commit")),
                **{f"goodfit.version.{k}": str(v) for k, v in meta["versions"].items()}}
        if self.parent:
            tags["mlflow.parentRunId"] = self.parent
        if self.role:
            tags["goodfit.role"] = self.role
        created = self.client.create_run(experiment_id, run_name=self.run.path.name, tags=tags)
        self.run_id = created.info.run_id
        atomic_write_json(saved, {"mlflow": {"run_id": self.run_id, "tracking_uri": uri,
                                             "experiment_id": experiment_id}})
        self._log_params(flatten(config_to_dict(self.config)))

    def _log_params(self, params: dict[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k, str(v)[:6000]) for k, v in params.items()]
        for i in range(0, len(items), 100):  # MLflow takes at most 100 params per batch
            self.client.log_batch(self.run_id, params=items[i : i + 100])

    def _log_metrics(self, values: dict[str, float], *, step: int) -> None:
        if self.run_id is None:
            return
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, v, now, step) for k, v in values.items() if v == v]  # NaN: not a number to plot
        for i in range(0, len(items), 1000):
            self.client.log_batch(self.run_id, metrics=items[i : i + 1000])

    def _finish(self, metrics: dict[str, Any]) -> None:
        if self.run_id is None:
            return
        final = {k: float(v) for k, v in flatten({s: metrics.get(s) or {} for s in ("train", "valid", "test")}).items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool)}
        self._log_metrics(final, step=int(metrics.get("epochs_run") or 0))
        for name in ARTIFACTS:
            path = self.run.path / name
            if path.is_file():
                folder = str(Path(name).parent) if "/" in name else None
                self.client.log_artifact(self.run_id, str(path), artifact_path=folder)
        self.client.set_tag(self.run_id, "goodfit.status", str(metrics.get("status")))
        self.client.set_terminated(self.run_id, status=STATUS.get(metrics.get("status"), "FAILED"))

    def _safely(self, work: Any) -> None:
        if self._broken:
            return
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a tracking server must not cost a training run
            self._broken = True
            print(f"warning: MLflow logging stopped ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                  f"the run's own files in {self.run.path} are complete", file=sys.stderr)
