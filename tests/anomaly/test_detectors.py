"""Contract tests over every registered detector (sklearn outlier-detection conventions)."""

import numpy as np
import pytest
from sklearn.base import clone

from goodfit.anomaly import DETECTORS, DetectorInputError, NotFittedError, create_detector
from goodfit.data import load_dataset

FAST = {"vae": {"epochs": 3, "hidden": 32, "latent": 4}, "autoencoder": {"epochs": 3, "hidden": 32, "latent": 4}}


@pytest.fixture(scope="module")
def digits():
    """Normal data: scikit-learn's 8x8 digits as 64 features in [0, 1]; outliers: inverted digits."""
    ds = load_dataset("digits")
    x = (ds.x_train.reshape(len(ds.x_train), -1) / 16.0).astype(np.float32)
    return x[:1000], x[1000:], 1.0 - x[1000:]


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """A goodfit classifier on the digits, for max-softmax (trained once, ~2 s)."""
    from goodfit import Config, apply_overrides, fit

    out = tmp_path_factory.mktemp("clf")
    cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=3", f"out_dir={out}", "train.monitors=false",
                                     "train.check=false"])
    return fit(cfg, progress="quiet", report=False).run_dir


def make(name, classifier):
    params = dict(FAST.get(name, {}))
    if name == "max-softmax":
        params.update(classifier=classifier, input_scale=16.0)
    return create_detector(name, **params)


@pytest.fixture(scope="module")
def fitted(digits, classifier):
    """Every registered detector, fitted once on the normal training data (``fit`` must return self)."""
    out = {}
    for e in DETECTORS:
        det = make(e.name, classifier)
        assert det.fit(digits[0]) is det
        out[e.name] = det
    return out


NAMES = [e.name for e in DETECTORS]


@pytest.mark.parametrize("name", NAMES)
def test_fit_learns_a_threshold_and_params(name, fitted):
    det = fitted[name]
    assert isinstance(det.threshold_, float) and np.isfinite(det.threshold_)
    assert det.n_features_in_ == 64
    assert clone(det).get_params() == det.get_params()  # sklearn-style parameters


@pytest.mark.parametrize("name", NAMES)
def test_shapes_on_one_and_on_10000_samples(name, digits, fitted):
    det = fitted[name]
    one = det.score_samples(digits[1][:1])
    assert one.shape == (1,) and one.dtype == np.float64
    big = np.tile(digits[1], (10_000 // len(digits[1]) + 1, 1))[:10_000]
    scores = det.score_samples(big)
    assert scores.shape == (10_000,) and np.isfinite(scores).all()
    assert det.predict(big).shape == (10_000,)
    assert det.score_samples(digits[1][:1].reshape(1, 1, 8, 8)).shape == (1,)  # images are flattened


@pytest.mark.parametrize("name", NAMES)
def test_predict_agrees_with_threshold(name, digits, fitted):
    det = fitted[name]
    x = np.vstack([digits[1], digits[2]])
    s = det.score_samples(x)
    assert set(np.unique(det.predict(x))) <= {-1, 1}
    np.testing.assert_array_equal(det.predict(x), np.where(s >= det.threshold_, 1, -1))
    np.testing.assert_allclose(det.decision_function(x), s - det.threshold_)
    flagged = (det.predict(digits[0]) == -1).mean()  # contamination=0.05 of the training data
    assert flagged <= 0.05 + 0.02


@pytest.mark.parametrize("name", [n for n in NAMES if n != "max-softmax"])
def test_higher_scores_mean_more_normal(name, digits, fitted):
    det = fitted[name]
    normal, inverted = det.score_samples(digits[1]), det.score_samples(digits[2])
    assert np.median(normal) > np.median(inverted)


def test_max_softmax_score_is_the_top_probability(digits, fitted):
    det = fitted["max-softmax"]
    probs = det.classifier_.predict_proba(digits[1][:5].reshape(5, 1, 8, 8) * 16.0)
    np.testing.assert_allclose(det.score_samples(digits[1][:5]), probs.max(1), rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_nan_input_is_a_clear_error(name, digits, fitted, classifier):
    bad = digits[1][:10].copy()
    bad[3, 5] = np.nan
    with pytest.raises(DetectorInputError, match="NaN or infinite values in 1 row.*row 3"):
        fitted[name].score_samples(bad)
    with pytest.raises(DetectorInputError, match="NaN"):
        make(name, classifier).fit(np.vstack([digits[0][:50], bad]))


@pytest.mark.parametrize("name", NAMES)
def test_misuse_errors(name, digits, fitted, classifier):
    with pytest.raises(NotFittedError, match="call fit"):
        make(name, classifier).score_samples(digits[1])
    with pytest.raises(DetectorInputError, match="2-D"):
        fitted[name].score_samples(digits[1][0])
    with pytest.raises(DetectorInputError, match="features"):
        fitted[name].score_samples(digits[1][:, :10])


def test_unknown_names_and_parameters():
    with pytest.raises(Exception, match="unknown detector 'iforrest'.*Did you mean 'iforest'"):
        create_detector("iforrest")
    with pytest.raises(Exception, match="has no parameter 'kk'; known: k, metric"):
        create_detector("knn", kk=3)
    with pytest.raises(DetectorInputError, match="covariance of 3 training samples in 4 dimensions is singular"):
        create_detector("mahalanobis").fit(np.ones((3, 4)))  # all samples equal: nothing to shrink towards
    with pytest.raises(DetectorInputError, match="covariance='robust' is unknown"):
        create_detector("mahalanobis", covariance="robust").fit(np.random.rand(20, 3))
    with pytest.raises(DetectorInputError, match="pca:50"):
        create_detector("mahalanobis", covariance="mcd").fit(np.random.rand(300, 250))
    with pytest.raises(DetectorInputError, match="at least 6 training samples"):
        create_detector("knn", k=5).fit(np.random.rand(3, 2))
    with pytest.raises(DetectorInputError, match="needs a trained classifier"):
        create_detector("max-softmax").fit(np.random.rand(3, 2))


def test_vae_scores_share_one_model(digits, fitted):
    vae = fitted["vae"]
    recon = vae.rescored(digits[0], score="reconstruction")
    assert recon.model_ is vae.model_ and recon.score == "reconstruction" and vae.score == "elbo"
    assert (recon.score_samples(digits[1]) > vae.score_samples(digits[1])).all()  # -recon > -(recon + KL)
    with pytest.raises(DetectorInputError, match="changes the fitted model"):
        vae.rescored(digits[0], latent=3)


def test_knn_training_scores_leave_each_sample_out():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    det = create_detector("knn", k=1, contamination=0.0).fit(x)
    assert det.threshold_ == pytest.approx(-np.sqrt(8))  # nearest *other* point; never 0 (itself)


def test_seeded_detectors_repeat(digits):
    x = digits[0][:300]
    a = create_detector("vae", **FAST["vae"], random_state=3).fit(x).score_samples(digits[1])
    b = create_detector("vae", **FAST["vae"], random_state=3).fit(x).score_samples(digits[1])
    np.testing.assert_array_equal(a, b)
