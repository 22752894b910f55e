"""The embedded tables through the whole CLI with default settings, as a user would run them:
breast-cancer (binary) and diabetes (regression) through train, check, search, --seeds, evaluate
and predict; the scores checked against scikit-learn's linear models on the same split."""

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli, value_after

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _reference(name: str) -> float:
    """Logistic / linear regression on the same split, inputs standardized on train: the bar to meet."""
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.preprocessing import StandardScaler

    from goodfit.data import load_dataset

    ds = load_dataset(name)
    scaler = StandardScaler().fit(ds.x_train)
    x_train, x_test = scaler.transform(ds.x_train), scaler.transform(ds.x_test)
    if name == "breast-cancer":
        model = LogisticRegression(max_iter=5000).fit(x_train, ds.y_train)
        return roc_auc_score(ds.y_test, model.predict_proba(x_test)[:, 1])
    return r2_score(ds.y_test, LinearRegression().fit(x_train, ds.y_train).predict(x_test))


@pytest.mark.parametrize(("name", "score", "floor", "slack"), [("breast-cancer", "auroc", 0.97, 0.01),
                                                               ("diabetes", "r2", 0.45, 0.05)])
def test_default_training_is_close_to_the_linear_reference(tmp_path, name, score, floor, slack):
    """The course MLP with every default (made for MNIST) against a linear model: a broken target
    encoding or scaling would be far below it (R² near 0, AUROC near 0.5)."""
    out = run_cli("train", "--dataset", name, "--progress", "quiet", f"out_dir={tmp_path}").stdout
    run = Path(value_after(out, "run"))
    metrics = json.loads((run / "metrics.json").read_text())
    reference = _reference(name)
    print(f"{name}: goodfit test {score} {metrics['test'][score]:.4f}, linear reference {reference:.4f}")
    assert metrics["task"] in ("binary", "regression") and metrics["test"][score] >= floor
    assert metrics["test"][score] >= reference - slack
    assert out.splitlines()[1].startswith(f"test {'AUROC' if score == 'auroc' else 'R²'} ")
    assert (run / "report.html").is_file()


@pytest.fixture(scope="module")
def diabetes_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("diab")
    run_cli("train", "--dataset", "diabetes", "--run-dir", root / "run", "--progress", "quiet")
    return root / "run"


def test_evaluate_and_predict_a_regression_run(diabetes_run, tmp_path):
    out = run_cli("evaluate", diabetes_run).stdout
    assert out.startswith("valid: R² ") and "| MAE " in out
    from goodfit.data import load_dataset

    ds = load_dataset("diabetes")
    (tmp_path / "patients.csv").write_text("\n".join([",".join(f"x{i}" for i in range(10)) + ",target",
                                                      *(",".join(map(str, r)) + f",{y}"
                                                        for r, y in zip(ds.x_test[:4], ds.y_test[:4]))]))
    lines = run_cli("predict", diabetes_run, tmp_path / "patients.csv").stdout.splitlines()
    assert len(lines) == 4 and lines[0].startswith(f"{tmp_path / 'patients.csv'} row 0: ")
    values = [float(line.rsplit(": ", 1)[1]) for line in lines]
    assert all(25 < v < 346 for v in values) and np.corrcoef(values, ds.y_test[:4])[0, 1] > 0


def test_check_search_and_seeds_on_the_binary_table(tmp_path):
    assert run_cli("check", "--dataset", "breast-cancer").stdout.strip() == "no pitfalls found"
    out = run_cli("search", "--grid", "optim.lr=1e-3,3e-3", "data.name=breast-cancer", "train.epochs=5",
                  f"out_dir={tmp_path}").stdout
    assert "trials: 2 complete" in out and "valid auroc" in out
    assert "retrained on train+valid, test auroc" in out
    seeds = run_cli("train", "--dataset", "breast-cancer", "--seeds", "3", f"out_dir={tmp_path}").stdout
    assert "test_auroc" in seeds and "(n=3)" in seeds
