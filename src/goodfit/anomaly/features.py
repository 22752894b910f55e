"""Feature spaces a detector can work in, as sklearn-style transformers fitted on normal training data.

- ``raw``: the flattened pixels (in [0, 1] in the protocols);
- ``pca:N``: the first ``N`` principal components of the training data;
- ``classifier:RUN``: the penultimate layer of a trained goodfit classifier. It was trained with
  labels, so in one-vs-rest protocols it has *seen the anomaly classes*: a supervised upper
  reference, not a one-class result (fine for out-of-distribution tests);
- ``vae-latent``: the posterior mean of a VAE trained on the normal training data.

Examples:
    >>> X = np.random.default_rng(0).random((50, 10))
    >>> create_feature("pca:3").fit(X).transform(X).shape
    (50, 3)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from goodfit.anomaly.base import DetectorInputError, check_features
from goodfit.registry import Registry

__all__ = ["FEATURES", "create_feature", "RawFeatures", "PCAFeatures", "ClassifierFeatures", "VAELatentFeatures"]


class RawFeatures:
    """The inputs themselves, flattened to ``(N, D)``."""

    def fit(self, X: Any) -> RawFeatures:
        return self

    def transform(self, X: Any) -> np.ndarray:
        return check_features(X)


class PCAFeatures:
    """The first ``n_components`` principal components (scikit-learn's ``PCA``, seeded)."""

    def __init__(self, n_components: int, *, random_state: int = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X: Any) -> PCAFeatures:
        from sklearn.decomposition import PCA

        X = check_features(X)
        if not 1 <= self.n_components <= min(X.shape):
            raise DetectorInputError(f"pca:{self.n_components} needs 1..{min(X.shape)} components for "
                                     f"{X.shape[0]} samples of {X.shape[1]} features")
        self.pca_ = PCA(self.n_components, random_state=self.random_state).fit(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        return self.pca_.transform(check_features(X)).astype(np.float32)


class ClassifierFeatures:
    """Penultimate-layer features of a trained goodfit classifier run; ``fit`` learns nothing."""

    def __init__(self, run: str | Path, *, input_scale: float = 255.0) -> None:
        self.run = run
        self.input_scale = input_scale

    def fit(self, X: Any) -> ClassifierFeatures:
        from goodfit.trained import load_model

        self.loaded_ = load_model(self.run)
        return self

    def transform(self, X: Any) -> np.ndarray:
        from goodfit.generative.quality import penultimate_features

        X = check_features(X)
        shape = self.loaded_.input_shape
        if X.shape[1] != int(np.prod(shape)):
            raise DetectorInputError(
                f"classifier:{self.run} takes inputs of shape {shape}; X has {X.shape[1]} features")
        raw = X.reshape(len(X), *shape) * self.input_scale
        return penultimate_features(self.loaded_.model, self.loaded_.scaler.transform(raw))


class VAELatentFeatures:
    """Posterior means of a VAE (``latent`` units) trained on the normal training data."""

    def __init__(self, *, latent: int = 16, epochs: int = 20, random_state: int = 0) -> None:
        self.latent = latent
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, X: Any) -> VAELatentFeatures:
        from goodfit.anomaly.neural import VAEDetector

        self.vae_ = VAEDetector(latent=self.latent, epochs=self.epochs, random_state=self.random_state).fit(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        from goodfit.generative.sample import latent_means

        return latent_means(self.vae_.model_, self.vae_.scaling_(check_features(X)))


def _pca(arg: str, *, random_state: int = 0) -> PCAFeatures:
    try:
        n = int(arg)
    except ValueError:
        raise DetectorInputError(f"pca:{arg} needs a number of components, e.g. pca:50") from None
    return PCAFeatures(n, random_state=random_state)


FEATURES: Registry[Any] = Registry("feature space")
FEATURES.add("raw", lambda *, random_state=0: RawFeatures(), "flattened inputs (pixels in [0, 1])")
FEATURES.add("pca", _pca, "first N principal components of the normal training data", takes_argument=True)
FEATURES.add("classifier", lambda run, *, random_state=0: ClassifierFeatures(run),
             "penultimate layer of a trained goodfit classifier run", takes_argument=True)
FEATURES.add("vae-latent", lambda *, random_state=0: VAELatentFeatures(random_state=random_state),
             "posterior mean of a VAE (16 units) trained on the normal training data")


def create_feature(name: str, *, random_state: int = 0) -> Any:
    """An unfitted feature transformer by name: ``raw``, ``pca:50``, ``classifier:RUN``, ``vae-latent``."""
    return FEATURES.create(name, random_state=random_state)
