"""Ranking metrics, cross-checked against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from goodfit.anomaly.metrics import (
    FPR_GRID,
    auroc,
    average_precision,
    mean_roc,
    precision_recall_at,
    roc_points,
)
from goodfit.errors import GoodfitError


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_auroc_and_ap_equal_sklearn(seed, ties):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 500)
    s = rng.normal(size=500) + y
    if ties:
        s = np.round(s, 1)  # many tied scores
    assert auroc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_roc_points_match_sklearn_corners():
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 200), np.round(rng.normal(size=200), 1)
    fpr, tpr = roc_points(y, s)
    ref_fpr, ref_tpr, _ = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)
    curve = mean_roc(y, s)
    assert curve.shape == FPR_GRID.shape and curve[0] >= 0 and curve[-1] == 1.0


def test_perfect_and_reversed_scores():
    y = np.array([0, 0, 1, 1])
    assert auroc(y, np.array([0, 1, 2, 3])) == 1.0
    assert auroc(y, np.array([3, 2, 1, 0])) == 0.0
    assert auroc(y, np.zeros(4)) == 0.5


def test_precision_recall_at_threshold():
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.9, 0.8, 0.3])
    out = precision_recall_at(y, s, 0.5)
    assert out["precision"] == 0.5 and out["recall"] == 0.5 and out["false_alarm_rate"] == pytest.approx(1 / 3)
    assert out["flagged"] == 2


def test_metric_input_errors():
    with pytest.raises(GoodfitError, match="both negative"):
        auroc(np.ones(3), np.arange(3))
    with pytest.raises(GoodfitError, match="3 labels but 2 scores"):
        auroc(np.array([0, 1, 1]), np.arange(2))
    with pytest.raises(GoodfitError, match="NaN"):
        average_precision(np.array([0, 1]), np.array([0.0, np.nan]))
