"""The protocols end to end on small data: files, numbers cross-checked, splits as documented."""

import json

import numpy as np
import pytest
from helpers import needs_fashion, needs_mnist

from goodfit.anomaly.protocols import Task, contamination, one_vs_rest, out_of_distribution, run_tasks
from goodfit.errors import ConfigError

FAST_METHODS = ["iforest[n_estimators=50]@raw", "mahalanobis@raw", "knn[metric=cosine]@raw",
                "vae[epochs=10,hidden=64,batch_size=32]@raw",
                "vae[epochs=10,hidden=64,batch_size=32,score=reconstruction]@raw"]


@pytest.mark.slow  # ~30 s on 2 busy cores: 20 fits and a report with 6 figures
def test_one_vs_rest_small_end_to_end(tmp_path):
    r = one_vs_rest(dataset="mnist-5k", methods=FAST_METHODS, classes=[0, 1], seeds=[0, 1], max_train=150,
                    out_dir=tmp_path)
    results = json.loads((r.path / "results.json").read_text())
    assert r.path.name.startswith("anomaly-ovr-") and (r.path / "report.html").is_file()
    assert len(r.rows) == len(FAST_METHODS) * 2 * 2
    assert results["max_auroc_difference_vs_sklearn"] < 1e-9
    for row in r.rows:
        assert 0.5 < row["auroc"] <= 1.0 and row["auroc"] == pytest.approx(row["auroc_sklearn"], abs=1e-9)
        assert 0 <= row["test_false_alarm_rate"] <= 1
    best = max(r.summary, key=lambda s: s["auroc"]["mean"])
    assert best["auroc"]["mean"] > 0.9 and best["auroc"]["n_tasks"] == 2 and best["auroc"]["n_seeds"] == 2
    html = (r.path / "report.html").read_text()
    assert "Deep SVDD" in html and "ROC curves" in html and "Most and least anomalous" in html


def test_one_vs_rest_split_is_seeded_and_class_pure(tmp_path):
    from goodfit.data import load_dataset, stratified_split

    captured = []
    import goodfit.anomaly.protocols as protocols

    real = protocols.run_tasks

    def spy(tasks, methods, seeds, **kw):
        for seed in seeds:
            captured.extend((seed, t) for t in tasks(seed))
        return real(tasks, methods, seeds, **kw)

    protocols.run_tasks = spy
    try:
        one_vs_rest(dataset="mnist-5k", methods=["iforest[n_estimators=10]@raw"], classes=[3], seeds=[5],
                    out_dir=tmp_path)
    finally:
        protocols.run_tasks = real
    ds = load_dataset("mnist-5k")
    keep, valid = stratified_split(ds.y_train, test_fraction=0.1, seed=5)
    (seed, task), = captured
    assert seed == 5 and len(task.x_train) == (ds.y_train[keep] == 3).sum()
    assert len(task.x_valid) == (ds.y_train[valid] == 3).sum()
    assert len(task.x_test) == len(ds.y_test) and task.y_test.sum() == (ds.y_test != 3).sum()
    assert task.x_train.max() <= 1.0 and task.x_train.min() >= 0.0


def test_run_tasks_on_a_toy_problem():
    rng = np.random.default_rng(0)
    task = Task("toy", rng.normal(size=(200, 3)).astype(np.float32), rng.normal(size=(50, 3)).astype(np.float32),
                np.r_[rng.normal(size=(100, 3)), rng.normal(4, 1, size=(100, 3))].astype(np.float32),
                np.r_[np.zeros(100), np.ones(100)])
    rows = run_tasks(lambda seed: [task], ["mahalanobis@raw", "knn@raw"], [0])
    assert [r["method"] for r in rows] == ["mahalanobis@raw", "knn@raw"]
    for r in rows:
        assert r["auroc"] > 0.95 and r["auroc"] == pytest.approx(r["auroc_sklearn"], abs=1e-12)
        assert r["test_recall"] > 0.8 and r["test_false_alarm_rate"] < 0.2


def test_contamination_small(tmp_path):
    r = contamination(dataset="mnist-5k", methods=["mahalanobis@raw"], fractions=[0.0, 0.2], classes=[1],
                      seeds=[0], out_dir=tmp_path)
    by = {s["group"]: s["auroc"]["mean"] for s in r.summary}
    assert set(by) == {"0", "0.2"} and by["0"] > by["0.2"]  # anomalies in training hurt
    sizes = json.loads((r.path / "results.json").read_text())["fractions"]
    assert sizes == [0.0, 0.2] and "AUROC against contamination" in (r.path / "report.html").read_text()


@pytest.mark.slow  # loads full MNIST and Fashion-MNIST
@needs_mnist
@needs_fashion
def test_out_of_distribution_small(tmp_path):
    r = out_of_distribution(dataset="mnist", methods=["mahalanobis@raw"], seeds=[0], max_train=500,
                            out_dir=tmp_path)
    tasks = {s["task"]: s["auroc"]["mean"] for s in r.summary}
    assert set(tasks) == {"fashion-mnist", "mnist + noise", "mnist + rotation"}
    assert tasks["fashion-mnist"] > 0.9 and tasks["mnist + noise"] > 0.9


def test_protocol_argument_errors(tmp_path):
    with pytest.raises(ConfigError, match="classes must lie in 0..9"):
        one_vs_rest(dataset="mnist-5k", classes=[10], seeds=[0], out_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown anomaly kind 'blur'"):
        out_of_distribution(anomalies=["blur"], out_dir=tmp_path)
    with pytest.raises(ConfigError, match="fractions must lie"):
        contamination(fractions=[1.0], out_dir=tmp_path)
    with pytest.raises(ConfigError, match="max_train must be at least 2"):
        one_vs_rest(dataset="mnist-5k", max_train=0, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())  # no folder is left behind by a bad call


def test_tasks_sharing_training_data_fit_once(monkeypatch):
    import goodfit.anomaly.protocols as protocols

    fits = []
    real_build = protocols.Method.build
    monkeypatch.setattr(protocols.Method, "build", lambda self, *, seed: fits.append(self.label) or
                        real_build(self, seed=seed))
    rng = np.random.default_rng(0)
    train, valid = rng.normal(size=(100, 3)).astype(np.float32), rng.normal(size=(20, 3)).astype(np.float32)
    tasks = [Task(f"kind {i}", train, valid, rng.normal(i, 1, size=(40, 3)).astype(np.float32),
                  np.r_[np.zeros(20), np.ones(20)], shared="same") for i in (1, 2)]
    rows = run_tasks(lambda seed: tasks, ["mahalanobis@pca:2"], [0, 1])
    assert len(rows) == 4 and fits == ["mahalanobis@pca:2"] * 2  # once per seed, not per task
