"""``fit`` for every task, end to end on real data: run folder, metrics and baselines that fit the
task, findings, report, then evaluate / load / predict on the finished run."""

import json

import numpy as np
import pytest

from goodfit import Config, apply_overrides, evaluate_run, fit, load_model
from goodfit.errors import ConfigError
from goodfit.predict import predict_files

QUICK = ["train.monitors=true", "train.batch_size=32", "model.hidden=32"]


def _fit(tmp_path, *overrides, report=True):
    cfg = apply_overrides(Config(), [*QUICK, *overrides, f"out_dir={tmp_path}"])
    return fit(cfg, progress="quiet", report=report)


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory):
    return _fit(tmp_path_factory.mktemp("bc"), "data.name=breast-cancer", "train.epochs=15")


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    return _fit(tmp_path_factory.mktemp("diab"), "data.name=diabetes", "train.epochs=40")


def test_binary_run_metrics_baselines_and_report(binary_run):
    m = binary_run.metrics
    assert m["task"] == "binary" and m["score"] == "auroc" and m["status"] == "completed"
    assert m["test"]["auroc"] > 0.95 and m["valid"]["auroc"] > 0.9 and 0 < m["test"]["threshold"] < 1
    assert m["baselines"]["prior"]["auroc"] == 0.5 and m["baselines"]["majority"]["class"] == 0
    assert {"auroc", "loss"} == set(m["baselines"]["untrained"])
    assert {"valid_auroc", "valid_acc", "train_acc"} <= set(binary_run.history[0])
    html = (binary_run.run_dir / "report.html").read_text()
    assert "Test AUROC" in html and "ROC curve (test set)" in html and "No skill" in html
    assert (binary_run.run_dir / "plots" / "roc.png").is_file()


def test_regression_run_reports_in_the_targets_units(regression_run):
    m = regression_run.metrics
    assert m["task"] == "regression" and m["score"] == "r2" and m["classes"] == []
    assert m["test"]["r2"] > 0.4 and m["baselines"]["mean"]["r2"] < 0.05
    assert 30 < m["test"]["mae"] < m["baselines"]["mean"]["mae"]  # disease-progression points, not z-scores
    assert "train_acc" not in regression_run.history[0] and "valid_r2" in regression_run.history[0]
    html = (regression_run.run_dir / "report.html").read_text()
    assert "Test R²" in html and "Training mean" in html and "Predicted against true values" in html


def test_evaluate_load_and_predict_a_table_run(binary_run, regression_run, tmp_path):
    stats = evaluate_run(regression_run.run_dir, split="valid")
    assert stats["task"] == "regression" and stats["r2"] == pytest.approx(regression_run.metrics["valid"]["r2"])
    loaded = load_model(binary_run.run_dir)
    assert loaded.task.threshold == pytest.approx(binary_run.metrics["test"]["threshold"])
    from goodfit.data import load_dataset

    ds = load_dataset("breast-cancer")
    proba = loaded.predict_proba(ds.x_test[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(1), 1)
    header = ",".join(f"f{i}" for i in range(30)) + ",label"
    rows = [",".join(map(str, r)) + f",{y}" for r, y in zip(ds.x_test[:3], ds.y_test[:3])]
    (tmp_path / "tumours.csv").write_text("\n".join([header, *rows]))
    out = predict_files(binary_run.run_dir, [tmp_path / "tumours.csv"], top_k=1)
    assert [o["row"] for o in out] == [0, 1, 2] and all(len(o["top"]) == 1 for o in out)
    assert out[0]["top"][0]["probability"] == pytest.approx(max(proba[0]), rel=1e-5)
    diab = load_dataset("diabetes")
    (tmp_path / "patients.csv").write_text("\n".join([",".join(f"f{i}" for i in range(10)),
                                                      *(",".join(map(str, r)) for r in diab.x_test[:2])]))
    values = predict_files(regression_run.run_dir, [tmp_path / "patients.csv"])
    assert len(values) == 2 and 25 < values[0]["value"][0] < 346


def test_denoising_beats_the_noisy_input_and_reports_examples(tmp_path):
    res = _fit(tmp_path, "data.name=digits", "data.task=denoising", "data.scaling=minmax01", "data.noise_std=0.3",
               "model.hidden=128", "train.epochs=8")
    m = res.metrics
    assert m["task"] == "denoising" and m["score"] == "psnr"
    assert m["test"]["psnr"] > m["baselines"]["identity"]["psnr"] + 2  # dB better than doing nothing
    assert (res.run_dir / "plots" / "examples.png").is_file()
    assert "Noisy input" in (res.run_dir / "report.html").read_text()
    with np.load(res.run_dir / "predictions.npz") as p:
        assert p["example_outputs"].shape == p["example_targets"].shape == (16, 1, 8, 8)
    from PIL import Image

    Image.fromarray((np.random.default_rng(0).random((8, 8)) * 255).astype(np.uint8)).save(tmp_path / "noisy.png")
    with pytest.raises(ConfigError, match="pass --out FOLDER"):
        predict_files(res.run_dir, [tmp_path / "noisy.png"])
    out = predict_files(res.run_dir, [tmp_path / "noisy.png"], out_dir=tmp_path / "out")
    assert out[0]["output"].endswith("noisy.output.png") and Image.open(out[0]["output"]).size == (8, 8)


def test_task_options_that_do_not_fit_fail_before_any_folder(tmp_path):
    with pytest.raises(ConfigError, match="optim.loss=mse does not fit data.task=binary"):
        _fit(tmp_path, "data.name=breast-cancer", "optim.loss=mse")
    with pytest.raises(ConfigError, match="train.target=30.0 is the validation auroc"):
        _fit(tmp_path, "data.name=breast-cancer", "train.target=30")
    with pytest.raises(ConfigError, match="convnet outputs one vector per sample"):
        _fit(tmp_path, "data.name=digits", "data.task=denoising", "model.name=convnet", "model.hidden=64,64,64")
    assert not list(tmp_path.iterdir())


def test_metrics_json_round_trips_the_task_state(binary_run):
    saved = json.loads((binary_run.run_dir / "metrics.json").read_text())
    assert saved["task_state"]["name"] == "binary" and saved["task_state"]["threshold"] == saved["test"]["threshold"]
