"""Anomaly detection: sklearn-style detectors, feature spaces, metrics and seeded protocols.

- :data:`DETECTORS`: ``iforest``, ``mahalanobis``, ``knn``, ``vae``, ``autoencoder``, ``max-softmax``,
  each with ``fit(X)`` → self, ``score_samples(X)`` (higher = more normal), ``predict(X)`` (+1 / -1)
  and ``threshold_`` (see :mod:`goodfit.anomaly.base`).
- :data:`FEATURES`: ``raw``, ``pca:N``, ``classifier:RUN``, ``vae-latent``.
- Protocols (:mod:`goodfit.anomaly.protocols`): one-vs-rest, out-of-distribution, contamination;
  each writes ``results.json`` and a self-contained ``report.html`` into a new folder.

Examples:
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(500, 4))
    >>> det = create_detector("mahalanobis").fit(X)
    >>> det.predict(np.array([[0.0, 0, 0, 0], [8.0, 8, 8, 8]])).tolist()
    [1, -1]
"""

from __future__ import annotations

from goodfit.anomaly.base import Detector, DetectorInputError, NotFittedError, check_features
from goodfit.anomaly.detectors import IForestDetector, KNNDetector, MahalanobisDetector
from goodfit.anomaly.features import FEATURES, create_feature
from goodfit.anomaly.metrics import auroc, average_precision, precision_recall_at, roc_points
from goodfit.anomaly.neural import AutoencoderDetector, MaxSoftmaxDetector, VAEDetector
from goodfit.anomaly.registry import DETECTORS, Method, create_detector, parse_method

__all__ = [
    "DETECTORS",
    "FEATURES",
    "AutoencoderDetector",
    "Detector",
    "DetectorInputError",
    "IForestDetector",
    "KNNDetector",
    "MahalanobisDetector",
    "MaxSoftmaxDetector",
    "Method",
    "NotFittedError",
    "VAEDetector",
    "auroc",
    "average_precision",
    "check_features",
    "create_detector",
    "create_feature",
    "parse_method",
    "precision_recall_at",
    "roc_points",
]
