import numpy as np
import pytest

from goodfit.config import DataConfig
from goodfit.data import Scaler, load_dataset, split_and_scale
from goodfit.data.scaling import mean_std
from goodfit.errors import ConfigError


def test_scaling_is_fitted_on_train_only():
    ds = load_dataset("digits")
    data = split_and_scale(ds, DataConfig(name="digits", scaling="standardize"))
    assert data.train.x.mean() == pytest.approx(0.0, abs=1e-5)
    assert data.train.x.std() == pytest.approx(1.0, abs=1e-4)
    # the statistics are the training split's, not the whole set's
    train_raw = np.delete(ds.x_train, data.valid_indices, axis=0)
    assert data.scaler.shift_.ravel()[0] == pytest.approx(train_raw.mean(), rel=1e-5)
    assert data.test.x.mean() != pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("kind, lo, hi", [("minmax01", 0.0, 1.0), ("minmax11", -1.0, 1.0)])
def test_minmax_ranges_on_uint8_images(kind, lo, hi):
    x = np.array([0, 51, 255], dtype=np.uint8).reshape(3, 1, 1, 1)
    s = Scaler(kind).fit(x)
    out = s.transform(x).ravel()
    assert out[0] == pytest.approx(lo) and out[-1] == pytest.approx(hi)
    np.testing.assert_allclose(s.inverse_transform(out.reshape(3, 1, 1, 1)).ravel(), [0, 51, 255], atol=1e-4)


def test_table_scaling_is_per_feature_and_constant_safe():
    x = np.array([[1.0, 100.0, 5.0], [3.0, 300.0, 5.0]])
    out = Scaler("standardize").fit(x).transform(x)
    np.testing.assert_allclose(out, [[-1, -1, 0], [1, 1, 0]], atol=1e-6)


def test_state_dict_round_trip_and_bad_kind():
    s = Scaler("minmax11").fit(np.arange(10.0).reshape(5, 2))
    t = Scaler.from_state_dict(s.state_dict())
    np.testing.assert_array_equal(s.transform(np.ones((1, 2))), t.transform(np.ones((1, 2))))
    with pytest.raises(ConfigError, match="choose one of"):
        Scaler("zscore")


def test_train_subset_and_folds():
    ds = load_dataset("digits")
    sub = split_and_scale(ds, DataConfig(name="digits", train_subset=300))
    assert len(sub.train) == 300 and np.bincount(sub.train.y).min() >= 28
    seen = []
    for fold in range(3):
        part = split_and_scale(ds, DataConfig(name="digits", folds=3, fold=fold))
        assert len(part.train) + len(part.valid) == len(ds.y_train)
        seen.append(set(part.valid_indices.tolist()))
        # scaling is fitted per fold, on that fold's training part only
        assert part.train.x.mean() == pytest.approx(0.0, abs=1e-5)
    assert set.union(*seen) == set(range(len(ds.y_train))) and not seen[0] & seen[1]


def test_chunked_statistics_match_numpy_float64_without_copying():
    rng = np.random.default_rng(0)
    images = (rng.normal(1e4, 3.0, size=(20_000, 3, 4, 4))).astype(np.float32)  # large offset: cancellation-prone
    m, s = mean_std(images, (0, 2, 3), chunk=1000)
    ref = images.astype(np.float64)
    np.testing.assert_allclose(m, ref.mean(axis=(0, 2, 3), keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(s, ref.std(axis=(0, 2, 3), keepdims=True), rtol=1e-9)
    table = rng.integers(0, 256, size=(5000, 7), dtype=np.uint8)  # uint8 sums do not overflow
    scaler = Scaler("standardize").fit(table)
    np.testing.assert_allclose(scaler.shift_, table.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(scaler.scale_, table.std(axis=0), rtol=1e-6)
    out = scaler.transform(table)
    assert out.dtype == np.float32 and abs(float(out.mean())) < 1e-5
