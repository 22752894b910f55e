"""A search study in MLflow: one parent run for the study, each trial and the final retrain a child.

With ``train.tracking=mlflow`` in the searched config, the first worker creates the parent run
(``STUDY/mlflow.json`` remembers it, so other workers, Slurm array tasks and ``--resume`` log under
the same one); trials log as children (:class:`goodfit.tracking.MLflowTracker` with a parent); the
end of the search logs the best trial, the trial counts, the final test numbers and the study's
summary and report to the parent, and marks it finished.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from goodfit.config import config_from_dict
from goodfit.run import atomic_write_json
from goodfit.tracking import client_and_experiment, default_tracking_uri, flatten, uses

__all__ = ["parent_run", "known_parent", "close_parent"]

STATE_FILE = "mlflow.json"


def parent_run(study_dir: Path, spec: dict[str, Any]) -> str | None:
    """The study's MLflow parent run id (created on first use), or None without ``train.tracking=mlflow``.
    Call it under the study's ask lock: one process creates the run."""
    base = config_from_dict(spec["base"])
    if not uses(base, "mlflow"):
        return None
    path = study_dir / STATE_FILE
    if path.is_file():
        return json.loads(path.read_text())["run_id"]
    try:
        uri, artifacts = default_tracking_uri(base.out_dir)
        client, experiment_id = client_and_experiment(uri, artifacts)
        run = client.create_run(experiment_id, run_name=study_dir.name,
                                tags={"goodfit.role": "search", "goodfit.study_dir": str(study_dir)})
        params = {"search.kind": spec["kind"], "search.trials": spec.get("trials"),
                  "search.space": json.dumps(spec.get("space")), **flatten(spec["base"], "base.")}
        for key, value in params.items():
            client.log_param(run.info.run_id, key, str(value)[:6000])
    except Exception as exc:  # noqa: BLE001 - the search goes on without tracking
        _warn(exc, study_dir)
        return None
    atomic_write_json(path, {"run_id": run.info.run_id, "tracking_uri": uri})
    return run.info.run_id


def known_parent(study_dir: Path) -> str | None:
    """The parent run id a worker created, if any (without creating one)."""
    path = study_dir / STATE_FILE
    return json.loads(path.read_text())["run_id"] if path.is_file() else None


def close_parent(study_dir: Path, summary: dict[str, Any]) -> None:
    """Log the search's outcome to its parent run and finish it (nothing without one)."""
    path = study_dir / STATE_FILE
    if not path.is_file():
        return
    state = json.loads(path.read_text())
    try:
        client, _ = client_and_experiment(state["tracking_uri"], None)
        run_id = state["run_id"]
        best, final = summary.get("best") or {}, summary.get("final") or {}
        metrics = {f"trials.{k}": v for k, v in summary.get("counts", {}).items()}
        if best.get("value") is not None:
            metrics[f"best.valid.{best.get('score') or 'score'}"] = best["value"]
        metrics.update({f"final.test.{k}": v for k, v in (final.get("test") or {}).items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)})
        for key, value in metrics.items():
            client.log_metric(run_id, key, float(value))
        for key, value in (best.get("params") or {}).items():
            client.set_tag(run_id, f"best.{key}", str(value))
        for name in ("summary.json", "report.html"):
            if (study_dir / name).is_file():
                client.log_artifact(run_id, str(study_dir / name))
        client.set_terminated(run_id, status="FINISHED")
    except Exception as exc:  # noqa: BLE001 - the study's own files are complete
        _warn(exc, study_dir)


def _warn(exc: Exception, study_dir: Path) -> None:
    print(f"warning: MLflow logging of the search stopped ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
          f"the study's own files in {study_dir} are complete", file=sys.stderr)
