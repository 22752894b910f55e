"""AUROC, AP, ROC points and the best-F1 threshold against scikit-learn."""

import numpy as np
import pytest
from sklearn import metrics as skm

from goodfit.errors import GoodfitError
from goodfit.metrics import auroc, average_precision, best_f1_threshold, binary_counts, roc_points


@pytest.mark.parametrize("seed", range(4))
def test_against_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 400)
    s = np.round(y * 0.6 + rng.normal(size=400), 1)  # rounded: many ties
    assert auroc(y, s) == pytest.approx(skm.roc_auc_score(y, s))
    assert average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s))
    fpr, tpr = roc_points(y, s)
    sk_fpr, sk_tpr, _ = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)


@pytest.mark.parametrize("seed", range(4))
def test_best_f1_threshold_is_the_argmax_of_sklearns_curve(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    s = y * 0.8 + rng.normal(size=300)
    t = best_f1_threshold(y, s)
    precision, recall, thresholds = skm.precision_recall_curve(y, s)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(precision),
                   where=(precision + recall) > 0)[:-1]
    assert skm.f1_score(y, s >= t) == pytest.approx(f1.max())


def test_binary_counts_against_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    c = binary_counts(y, p)
    assert c["precision"] == pytest.approx(skm.precision_score(y, p))
    assert c["recall"] == pytest.approx(skm.recall_score(y, p))
    assert c["f1"] == pytest.approx(skm.f1_score(y, p))
    assert c["accuracy"] == pytest.approx(skm.accuracy_score(y, p))
    assert binary_counts([1, 1], [0, 0]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "accuracy": 0.0}


def test_one_class_and_bad_scores_are_clear_errors():
    with pytest.raises(GoodfitError, match="both negative"):
        auroc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(GoodfitError, match="NaN"):
        auroc([0, 1], [0.1, float("nan")])
