"""MAE, RMSE and R² against scikit-learn, for one and several outputs."""

import numpy as np
import pytest
from sklearn import metrics as skm

from goodfit.metrics import mae, r2, regression_summary, rmse


@pytest.mark.parametrize("k", [1, 3])
def test_against_sklearn(k):
    rng = np.random.default_rng(k)
    y = rng.normal(size=(100, k)) * [10.0] * k
    p = y + rng.normal(size=(100, k))
    assert mae(y, p) == pytest.approx(skm.mean_absolute_error(y, p))
    assert rmse(y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert r2(y, p) == pytest.approx(skm.r2_score(y, p))
    assert regression_summary(y, p)["r2"] == pytest.approx(skm.r2_score(y, p))


def test_one_dimensional_and_mean_prediction():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r2(y, np.full(4, y.mean())) == pytest.approx(0.0)  # predicting the mean: R² = 0 (closed form)
    assert r2(y, y) == 1.0 and mae(y, y + 1) == 1.0
    assert r2([5.0, 5.0], [5.0, 5.0]) == 1.0 and r2([5.0, 5.0], [4.0, 6.0]) == 0.0  # constant target


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in shape"):
        mae(np.zeros((3, 2)), np.zeros((3, 1)))
