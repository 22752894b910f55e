"""Method specs and feature spaces."""

import numpy as np
import pytest

from goodfit.anomaly import FEATURES, create_feature, parse_method
from goodfit.errors import ConfigError, UnknownNameError


def test_parse_method_specs():
    m = parse_method("mahalanobis[covariance=mcd,support_fraction=0.9]@pca:10")
    assert (m.detector, m.params, m.feature) == ("mahalanobis", {"covariance": "mcd", "support_fraction": 0.9},
                                                  "pca:10")
    assert m.label == "mahalanobis[covariance=mcd,support_fraction=0.9]@pca:10"
    assert parse_method("iforest").label == "iforest@raw"
    assert parse_method("vae[score=reconstruction]@raw").build(seed=7).random_state == 7
    assert parse_method("vae[random_state=1]").build(seed=7).random_state == 1  # explicit wins


@pytest.mark.parametrize("spec, match", [
    ("knn[k]@raw", "key=value"),
    ("knn@pcaa:3", "unknown feature space 'pcaa:3'"),
    ("knnn@raw", "Did you mean 'knn'"),
    ("knn[q=1]@raw", "no parameter 'q'"),
    ("knn[k=1", "must look like"),
])
def test_bad_specs_fail_early(spec, match):
    with pytest.raises((ConfigError, UnknownNameError), match=match):
        parse_method(spec)


def test_feature_spaces():
    rng = np.random.default_rng(0)
    x = rng.random((120, 16)).astype(np.float32)
    assert create_feature("raw").fit(x).transform(x.reshape(120, 1, 4, 4)).shape == (120, 16)
    assert create_feature("pca:5").fit(x).transform(x[:3]).shape == (3, 5)
    with pytest.raises(Exception, match="pca:50 needs 1..16"):
        create_feature("pca:50").fit(x)
    with pytest.raises(Exception, match="needs a number"):
        create_feature("pca:many")
    z = create_feature("vae-latent", random_state=0)
    z.epochs = 1
    assert z.fit(x).transform(x[:4]).shape == (4, 16)
    assert {e.name for e in FEATURES} == {"raw", "pca", "classifier", "vae-latent"}


def test_classifier_features(tmp_path):
    from goodfit import Config, apply_overrides, fit
    from goodfit.data import load_dataset

    cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=1", f"out_dir={tmp_path}",
                                     "train.monitors=false", "train.check=false"])
    run = fit(cfg, progress="quiet", report=False).run_dir
    x = load_dataset("digits").x_test[:7].reshape(7, -1) / 16.0
    feat = create_feature(f"classifier:{run}").fit(x)
    feat.input_scale = 16.0
    assert feat.transform(x).shape == (7, 64)  # the MLP's last hidden layer
