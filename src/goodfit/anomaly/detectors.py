"""Classical detectors: Isolation Forest, Mahalanobis distance (Ledoit-Wolf / MCD), k-nearest neighbours."""

from __future__ import annotations

import numpy as np
import torch

from goodfit.anomaly.base import Detector, DetectorInputError

__all__ = ["IForestDetector", "MahalanobisDetector", "KNNDetector"]

COVARIANCES = ("ledoit-wolf", "mcd", "empirical")
MCD_MAX_FEATURES = 200  # MCD's cost grows like p³ per C-step and it needs n >> p: reduce first (pca:N)


class IForestDetector(Detector):
    """scikit-learn's ``IsolationForest`` (Liu et al., 2008); the score is its ``score_samples``.

    Examples:
        >>> X = np.random.default_rng(0).normal(size=(200, 3))
        >>> det = IForestDetector(n_estimators=50).fit(X)
        >>> bool(det.score_samples([[0, 0, 0]])[0] > det.score_samples([[6, 6, 6]])[0])
        True
    """

    def __init__(self, *, n_estimators: int = 100, max_samples: int | str = "auto", max_features: float = 1.0,
                 contamination: float = 0.05, random_state: int | None = 0) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_features = max_features
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X: np.ndarray) -> None:
        from sklearn.ensemble import IsolationForest

        self.forest_ = IsolationForest(n_estimators=self.n_estimators, max_samples=self.max_samples,
                                       max_features=self.max_features, random_state=self.random_state).fit(X)

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self.forest_.score_samples(X)


class MahalanobisDetector(Detector):
    """Minus the squared Mahalanobis distance to the training mean under a fitted covariance.

    ``covariance``: ``ledoit-wolf`` (shrunk towards a scaled identity, well-conditioned even for
    784 pixels with constant borders), ``mcd`` (the robust Minimum Covariance Determinant: ignores
    the most outlying ``1 - support_fraction`` of the training data, for contaminated training
    sets; use it on at most a few hundred features, e.g. ``pca:50``) or ``empirical``.

    Examples:
        >>> X = np.random.default_rng(0).normal(size=(300, 2)) * [1.0, 0.1]
        >>> det = MahalanobisDetector().fit(X)
        >>> bool(det.score_samples([[1.0, 0.0]])[0] > det.score_samples([[0.0, 1.0]])[0])  # along the spread
        True
    """

    def __init__(self, *, covariance: str = "ledoit-wolf", support_fraction: float | None = None,
                 contamination: float = 0.05, random_state: int | None = 0) -> None:
        self.covariance = covariance
        self.support_fraction = support_fraction
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X: np.ndarray) -> None:
        from sklearn.covariance import EmpiricalCovariance, LedoitWolf, MinCovDet

        if self.covariance not in COVARIANCES:
            raise DetectorInputError(f"covariance={self.covariance!r} is unknown; choose {', '.join(COVARIANCES)}")
        X64 = X.astype(np.float64)
        if self.covariance == "mcd":
            if X.shape[1] > MCD_MAX_FEATURES:
                raise DetectorInputError(f"covariance=mcd on {X.shape[1]} features is too slow and singular; "
                                         f"reduce them first (feature pca:50) or use covariance=ledoit-wolf")
            est = MinCovDet(support_fraction=self.support_fraction, random_state=self.random_state).fit(X64)
        elif self.covariance == "ledoit-wolf":  # store_precision=False: the inverse is taken once, below
            est = LedoitWolf(store_precision=False).fit(X64)
        else:
            est = EmpiricalCovariance(store_precision=False).fit(X64)
        self.location_ = est.location_
        self.covariance_ = est.covariance_
        # shrinkage makes Ledoit-Wolf's estimate positive definite; the others may be singular (constant pixels)
        try:
            self.precision_ = np.linalg.inv(est.covariance_) if self.covariance == "ledoit-wolf" else \
                np.linalg.pinv(est.covariance_, hermitian=True)
        except np.linalg.LinAlgError:  # e.g. a handful of samples, or all of them equal
            raise DetectorInputError(f"the covariance of {len(X)} training samples in {X.shape[1]} dimensions is "
                                     "singular; give more (and varied) training samples") from None

    def _score(self, X: np.ndarray) -> np.ndarray:
        d = X.astype(np.float64) - self.location_  # (N, D)
        return -((d @ self.precision_) * d).sum(1)  # d_i^T P d_i for each row


class KNNDetector(Detector):
    """Minus the distance to the ``k``-th nearest training sample (Ramaswamy et al., 2000).

    ``metric``: ``euclidean`` or ``cosine`` (``1 - cos``; insensitive to a sample's overall
    intensity, e.g. stroke thickness). Distances are computed in chunks with torch on the CPU.
    Training scores leave each sample out (its own distance 0 would make ``threshold_`` optimistic).

    Examples:
        >>> X = np.random.default_rng(0).normal(size=(100, 2))
        >>> det = KNNDetector(k=3).fit(X)
        >>> det.predict([[0.0, 0.0], [9.0, 9.0]]).tolist()
        [1, -1]
    """

    def __init__(self, *, k: int = 5, metric: str = "euclidean", contamination: float = 0.05,
                 chunk: int = 256) -> None:
        self.k = k
        self.metric = metric
        self.contamination = contamination
        self.chunk = chunk

    @property
    def min_samples(self) -> int:  # type: ignore[override]
        return self.k + 1

    def _prepare(self, X: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        return torch.nn.functional.normalize(t, dim=1) if self.metric == "cosine" else t

    def _fit(self, X: np.ndarray) -> None:
        if self.metric not in ("euclidean", "cosine"):
            raise DetectorInputError(f"metric={self.metric!r} is unknown; choose euclidean or cosine")
        if self.k < 1:
            raise DetectorInputError(f"k must be >= 1, got {self.k}")
        self.train_ = self._prepare(X)
        self.train_sq_ = (self.train_ ** 2).sum(1)

    def _kth_distance(self, X: np.ndarray, *, skip_self: bool) -> np.ndarray:
        q = self._prepare(X)
        k = self.k + int(skip_self)  # the nearest training sample of a training sample is itself
        out = []
        with torch.inference_mode():
            for i in range(0, len(q), self.chunk):
                qc = q[i : i + self.chunk]
                sim = qc @ self.train_.T  # (chunk, n_train)
                if self.metric == "cosine":
                    d = 1.0 - sim
                else:  # ||a - b||² = ||a||² + ||b||² - 2 a·b, clamped against round-off
                    d = ((qc ** 2).sum(1, keepdim=True) + self.train_sq_ - 2.0 * sim).clamp_min_(0).sqrt_()
                out.append(d.topk(k, dim=1, largest=False).values[:, -1])
        return torch.cat(out).numpy()

    def _score(self, X: np.ndarray) -> np.ndarray:
        return -self._kth_distance(X, skip_self=False)

    def _train_scores(self, X: np.ndarray) -> np.ndarray:
        return -self._kth_distance(X, skip_self=True)
