import json

import numpy as np
import pytest

from goodfit import Config, apply_overrides
from goodfit.errors import ConfigError
from goodfit.robust import mean_std, run_folds, run_seeds

BASE = ["data.name=digits", "train.epochs=2", "model.hidden=32", "train.monitors=false"]


def cfg(tmp_path, *extra):
    return apply_overrides(Config(), [*BASE, f"out_dir={tmp_path}", *extra])


def test_mean_std_matches_numpy():
    vals = [0.91, 0.93, 0.88, 0.95]
    stats = mean_std(vals)
    assert stats["mean"] == pytest.approx(np.mean(vals)) and stats["std"] == pytest.approx(np.std(vals, ddof=1))
    assert mean_std([0.5]) == {"mean": 0.5, "std": 0.0, "n": 1}
    assert mean_std([])["n"] == 0


def test_seeds_study(tmp_path):
    result = run_seeds(cfg(tmp_path), 3, progress=False)
    accs = [r["metrics"]["test"]["accuracy"] for r in result.runs]
    assert len(set(accs)) > 1  # seeds really differ
    assert result.summary["test_accuracy"]["mean"] == pytest.approx(np.mean(accs))
    assert result.summary["test_accuracy"]["std"] == pytest.approx(np.std(accs, ddof=1))
    assert all(len(r["metrics"]["test_evaluations"]) == 1 for r in result.runs)
    summary = json.loads((result.study_dir / "summary.json").read_text())
    assert summary["kind"] == "seeds" and len(summary["runs"]) == 3
    assert "mean ± std" in (result.study_dir / "report.html").read_text()


def test_folds_never_touch_the_test_set(tmp_path):
    result = run_folds(cfg(tmp_path), 3, progress=False)
    assert len(result.runs) == 3 and "test_accuracy" not in result.summary
    for r in result.runs:
        assert "test" not in r["metrics"] and r["metrics"]["test_evaluations"] == []
    first = result.runs[0]["metrics"]
    assert sum(r["metrics"]["n_valid"] for r in result.runs) == first["n_train"] + first["n_valid"]


def test_parallel_jobs(tmp_path):
    result = run_seeds(cfg(tmp_path), [0, 1], jobs=2, progress=False)
    serial = run_seeds(cfg(tmp_path / "serial"), [0, 1], progress=False)
    assert [r["metrics"]["test"]["accuracy"] for r in result.runs] == [
        r["metrics"]["test"]["accuracy"] for r in serial.runs]


def test_bad_study_arguments(tmp_path):
    with pytest.raises(ConfigError):
        run_seeds(cfg(tmp_path), 1)
    with pytest.raises(ConfigError):
        run_folds(cfg(tmp_path), 1)
