import numpy as np
import pytest
from sklearn import metrics as skm

from goodfit.metrics import accuracy, classification_summary, confusion_matrix, majority_baseline, precision_recall_f1


@pytest.mark.parametrize("seed", range(5))
def test_against_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = 7
    y_true = rng.integers(0, k, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, k - 1, 300))  # class 6 rarely predicted
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, k),
                                  skm.confusion_matrix(y_true, y_pred, labels=range(k)))
    p, r, f = precision_recall_f1(y_true, y_pred, k)
    sp, sr, sf, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(k), average="macro",
                                                        zero_division=0)
    assert (p, r, f) == pytest.approx((sp, sr, sf))
    pc, rc, fc = precision_recall_f1(y_true, y_pred, k, average="none")
    sp, sr, sf, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(k), zero_division=0)
    np.testing.assert_allclose(pc, sp)
    np.testing.assert_allclose(rc, sr)
    np.testing.assert_allclose(fc, sf)


def test_zero_division_and_absent_class():
    # class 2 never occurs and is never predicted: its scores are 0 (sklearn zero_division=0)
    p, r, f = precision_recall_f1([0, 1, 1], [0, 1, 0], 3, average="none")
    assert p.tolist() == [0.5, 1.0, 0.0] and r.tolist() == [1.0, 0.5, 0.0]


def test_summary_and_baseline():
    s = classification_summary([0, 1, 1, 1], [0, 1, 1, 0], 2)
    assert s["accuracy"] == 0.75 and s["confusion_matrix"] == [[1, 0], [1, 2]]
    assert majority_baseline([1, 1, 0], [0, 1, 1, 1]) == {"class": 1, "accuracy": 0.75}


def test_shape_errors():
    with pytest.raises(ValueError):
        accuracy([0, 1], [0])
    with pytest.raises(ValueError):
        accuracy([[0, 1]], [[0, 1]])
