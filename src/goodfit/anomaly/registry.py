"""``DETECTORS`` and method specs: ``DETECTOR[key=value,...]@FEATURE``.

A *method* is a detector with its parameters in a feature space, written as one string, e.g.
``iforest@raw``, ``mahalanobis[covariance=mcd]@pca:50`` or ``knn[k=1,metric=cosine]@raw``
(quote it in a shell). Parameter values are read as YAML scalars (``3``, ``0.1``, ``true``).

Examples:
    >>> m = parse_method("knn[k=1,metric=cosine]@pca:50")
    >>> m.detector, m.params, m.feature
    ('knn', {'k': 1, 'metric': 'cosine'}, 'pca:50')
    >>> create_detector("knn", k=1)
    KNNDetector(k=1)
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from goodfit.anomaly.base import Detector
from goodfit.anomaly.detectors import IForestDetector, KNNDetector, MahalanobisDetector
from goodfit.anomaly.neural import AutoencoderDetector, MaxSoftmaxDetector, VAEDetector
from goodfit.errors import ConfigError
from goodfit.registry import Registry

__all__ = ["DETECTORS", "Method", "create_detector", "parse_method"]

DETECTORS: Registry[Detector] = Registry("detector")
DETECTORS.add("iforest", IForestDetector, "scikit-learn IsolationForest; n_estimators, max_samples")
DETECTORS.add("mahalanobis", MahalanobisDetector, "Mahalanobis distance; covariance=ledoit-wolf|mcd|empirical")
DETECTORS.add("knn", KNNDetector, "distance to the k-th nearest training sample; k, metric=euclidean|cosine")
DETECTORS.add("vae", VAEDetector, "VAE trained on normal data; score=elbo|reconstruction, latent, epochs")
DETECTORS.add("autoencoder", AutoencoderDetector, "auto-encoder reconstruction error; latent, hidden, epochs")
DETECTORS.add("max-softmax", MaxSoftmaxDetector, "top softmax probability of a classifier; classifier=RUN")

_SPEC = re.compile(r"^(?P<det>[\w-]+)(?:\[(?P<params>[^\]]*)\])?(?:@(?P<feat>.+))?$")


def create_detector(name: str, **params: Any) -> Detector:
    """A registered detector with ``params``; an unknown parameter names the known ones."""
    entry, _ = DETECTORS.get(name)
    known = [p for p in inspect.signature(entry.factory).parameters if p != "self"]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"detector {name!r} has no parameter {unknown[0]!r}; known: {', '.join(known)}")
    return entry.factory(**params)


@dataclass(frozen=True)
class Method:
    """A detector, its parameters and its feature space."""

    detector: str
    params: dict[str, Any] = field(default_factory=dict)
    feature: str = "raw"

    @property
    def label(self) -> str:
        p = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.detector}{f'[{p}]' if p else ''}@{self.feature}"

    def build(self, *, seed: int) -> Detector:
        """The detector, seeded with ``seed`` unless ``random_state`` was given explicitly."""
        det = create_detector(self.detector, **self.params)
        if "random_state" in det.get_params() and "random_state" not in self.params:
            det.set_params(random_state=seed)
        return det


def parse_method(spec: str) -> Method:
    """Parse ``DETECTOR[key=value,...]@FEATURE`` (feature default ``raw``) and check the names."""
    from goodfit.anomaly.features import FEATURES

    m = _SPEC.match(spec.strip())
    if not m:
        raise ConfigError(f"method {spec!r} must look like DETECTOR[key=value,...]@FEATURE, e.g. knn[k=1]@raw")
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in (m["params"] or "").split(","))):
        key, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"method {spec!r}: parameter {item!r} must look like key=value")
        params[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
    method = Method(m["det"], params, m["feat"] or "raw")
    create_detector(method.detector, **params)  # unknown detector / parameter: fail now, not mid-study
    FEATURES.get(method.feature)
    return method
