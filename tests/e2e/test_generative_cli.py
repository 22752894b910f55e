"""``goodfit train-generative``, ``generate`` and ``anomaly`` through a real subprocess."""

import json
from pathlib import Path

import pytest
from helpers import run_cli, value_after

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # ~40 s each on 2 busy cores: two subprocesses, imports


def run(*args, check=True):
    return run_cli(*args, check=check)


def _value(out: str, key: str) -> Path:
    return Path(value_after(out, key))


def test_train_generative_then_generate(tmp_path):
    out = run("train-generative", "data.name=digits", "train.epochs=1", "model.latent=2", "quality.n_samples=50",
              "quality.classifier_epochs=1", f"out_dir={tmp_path}", "--progress", "quiet").stdout
    assert "status: completed" in out and "test -ELBO" in out and "not FID" in out
    run_dir = _value(out, "run")
    out = run("generate", run_dir, "--n", "16", "--interpolate").stdout
    assert _value(out, "samples").is_file() and _value(out, "interpolation").is_file()
    assert _value(out, "manifold").is_file()  # 2-D latent
    bad = run("generate", tmp_path / "nope", check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1


def test_anomaly_ovr_cli_and_errors(tmp_path):
    out = run("anomaly", "ovr", "-d", "mnist-5k", "--classes", "0,1", "--seeds", "1", "--max-train", "100",
              "-m", "mahalanobis@raw", "-m", "knn[metric=cosine]@raw", "--out-dir", tmp_path, "-q").stdout
    assert "knn[metric=cosine]@raw" in out and "AUROC" in out
    results = json.loads(_value(out, "results").read_text())
    assert results["classes"] == [0, 1] and results["max_train"] == 100
    bad = run("anomaly", "ovr", "-m", "knnn@raw", "--out-dir", tmp_path, check=False)
    assert bad.returncode == 2 and "Did you mean 'knn'" in bad.stderr
    assert "mahalanobis" in run("anomaly", "list").stdout
