"""train.tracking=mlflow against a real local MLflow store (SQLite), read back through MLflow's own
search_runs / client API: params, per-epoch metrics, final numbers, files, status, resume, and a
search study as a parent run with its trials as children."""

from __future__ import annotations

import csv

import mlflow
import pytest
from mlflow.tracking import MlflowClient

import goodfit
from goodfit.search import search
from goodfit.train.callbacks import Callback

BASE = ["data.name=digits", "model.hidden=32", "train.epochs=3", "train.tracking=mlflow"]


def _store(tmp_path):
    return f"sqlite:///{tmp_path / 'mlflow.db'}"  # beside out_dir=tmp_path/runs


def _fit(tmp_path, *extra, **kwargs):
    cfg = goodfit.apply_overrides(goodfit.Config(), [*BASE, f"out_dir={tmp_path / 'runs'}", *extra])
    return goodfit.fit(cfg, progress="quiet", **kwargs)


def test_a_run_is_logged_with_its_history_numbers_and_files(tmp_path):
    result = _fit(tmp_path)
    client = MlflowClient(tracking_uri=_store(tmp_path))
    [run] = client.search_runs([client.get_experiment_by_name("goodfit").experiment_id])
    assert run.info.status == "FINISHED" and run.info.run_name == result.run_dir.name
    assert run.data.params["optim.lr"] == "0.003" and run.data.params["data.name"] == "digits"
    assert run.data.metrics["test.accuracy"] == pytest.approx(result.metrics["test"]["accuracy"])
    with open(result.run_dir / "history.csv") as fh:
        history = [float(row["valid_acc"]) for row in csv.DictReader(fh)]
    logged = client.get_metric_history(run.info.run_id, "valid_acc")
    assert [m.step for m in logged] == [1, 2, 3] and [m.value for m in logged] == pytest.approx(history)
    files = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "findings.json", "metrics.json", "config.yaml", "checkpoints"} <= files
    assert (tmp_path / "mlruns").is_dir()  # artifacts beside the runs folder, not in the working directory


class _StopAfterOneEpoch(Callback):
    def on_epoch_end(self, state):
        if state.epoch == 1:
            raise KeyboardInterrupt


def test_an_interrupted_run_resumes_into_the_same_mlflow_run(tmp_path):
    first = _fit(tmp_path, callbacks=[_StopAfterOneEpoch()])
    assert first.metrics["status"] == "interrupted"
    client = MlflowClient(tracking_uri=_store(tmp_path))
    [run] = client.search_runs([client.get_experiment_by_name("goodfit").experiment_id])
    assert run.info.status == "KILLED"
    done = goodfit.fit(None, resume=first.run_dir, progress="quiet")
    assert done.metrics["status"] == "completed"
    [run] = client.search_runs([client.get_experiment_by_name("goodfit").experiment_id])
    assert run.info.status == "FINISHED"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "valid_loss")] == [1, 2, 3]


def test_the_tracking_uri_and_experiment_come_from_mlflow_s_environment(tmp_path, monkeypatch):
    store = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "course-week-3")
    _fit(tmp_path, "train.epochs=1")
    runs = mlflow.search_runs(experiment_names=["course-week-3"])
    assert len(runs) == 1 and not (tmp_path / "mlflow.db").exists()


def test_an_unreachable_tracking_server_costs_a_warning_not_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    result = _fit(tmp_path, "train.epochs=1")
    assert result.metrics["status"] == "completed" and (result.run_dir / "report.html").is_file()
    assert capsys.readouterr().err.count("warning: MLflow logging stopped") == 1


def test_a_search_is_a_parent_run_with_its_trials_as_children(tmp_path):
    cfg = goodfit.apply_overrides(goodfit.Config(), [*BASE, "train.epochs=2", f"out_dir={tmp_path / 'runs'}",
                                                     "train.monitors=false"])
    result = search(cfg, grid={"optim.lr": [1e-3, 1e-2]}, progress=False)
    client = MlflowClient(tracking_uri=_store(tmp_path))
    runs = client.search_runs([client.get_experiment_by_name("goodfit").experiment_id])
    [parent] = [r for r in runs if r.data.tags.get("goodfit.role") == "search"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    final = f"final-trial{result.best['number']:04d}"
    assert sorted(r.info.run_name for r in children) == sorted([final, "trial-0000", "trial-0001"])
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["final.test.accuracy"] == pytest.approx(result.final["test"]["accuracy"])
    assert parent.data.metrics["trials.COMPLETE"] == 2
