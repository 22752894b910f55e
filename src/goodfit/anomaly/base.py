"""The detector contract, in scikit-learn's outlier-detection style.

Every detector:

- ``fit(X)`` on (mostly) normal data ``(n_samples, n_features)`` returns ``self``;
- ``score_samples(X)`` → ``(n_samples,)``, **higher = more normal** (as sklearn's
  ``IsolationForest.score_samples``); the anomaly score is its negative;
- ``threshold_`` is the ``contamination`` quantile of the training scores, so ``predict`` flags
  that fraction of the training data; ``predict(X)`` is ``+1`` (normal) where
  ``score_samples(X) >= threshold_`` and ``-1`` (anomaly) elsewhere, and
  ``decision_function(X) = score_samples(X) - threshold_`` (negative = anomaly);
- learned attributes end in ``_``; ``get_params`` / ``clone`` come from sklearn's ``BaseEstimator``.

Inputs with more than two dimensions (images ``(N, C, H, W)``) are flattened; NaN or infinite
values are a :class:`DetectorInputError`, not a silent NaN score.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from goodfit.errors import GoodfitError

__all__ = ["Detector", "DetectorInputError", "NotFittedError", "check_features"]


class DetectorInputError(GoodfitError, ValueError):
    """The data given to a detector cannot be used (NaN, wrong shape, too few samples)."""


class NotFittedError(GoodfitError, AttributeError):
    """``score_samples`` / ``predict`` were called before ``fit``."""


def check_features(X: object, *, what: str = "X") -> np.ndarray:
    """``X`` as a finite ``float32`` array ``(n_samples, n_features)``, or a one-line error.

    Examples:
        >>> check_features(np.zeros((2, 1, 3, 3))).shape
        (2, 9)
        >>> check_features(np.array([[0.0, np.nan]]))
        Traceback (most recent call last):
        ...
        goodfit.anomaly.base.DetectorInputError: X has NaN or infinite values in 1 row(s) (first: row 0); ...
    """
    try:
        arr = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DetectorInputError(f"{what} must be a numeric array ({exc})") from None
    if arr.ndim < 2:
        raise DetectorInputError(f"{what} must be 2-D (n_samples, n_features), got shape {arr.shape}; "
                                 "use X.reshape(1, -1) for a single sample")
    arr = arr.reshape(len(arr), -1)
    if len(arr) == 0 or arr.shape[1] == 0:
        raise DetectorInputError(f"{what} is empty (shape {arr.shape}); pass at least one sample and feature")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise DetectorInputError(f"{what} has NaN or infinite values in {int(bad.sum())} row(s) "
                                 f"(first: row {int(np.argmax(bad))}); drop or impute them first")
    return arr


class Detector(BaseEstimator):
    """Base class: subclasses set ``contamination`` and implement ``_fit`` and ``_score``.

    ``min_samples`` is the fewest training samples a detector accepts; ``_train_scores`` may be
    overridden where scoring the training data on itself would be optimistic (``knn``).
    """

    min_samples = 2
    score_params: tuple[str, ...] = ()  # parameters that change only how samples are scored

    def rescored(self, X_train: object, **params: object) -> Detector:
        """A copy sharing this fitted model with other ``score_params``; ``threshold_`` refitted on ``X_train``.

        Lets a protocol train one VAE and report both of its scores without training it twice.
        """
        import copy

        bad = sorted(set(params) - set(self.score_params))
        if bad:
            raise DetectorInputError(f"{bad[0]!r} changes the fitted model; fit a new detector instead")
        other = copy.copy(self).set_params(**params)
        other.threshold_ = float(np.quantile(other._train_scores(check_features(X_train)), other.contamination))
        return other

    def fit(self, X: object, y: object = None) -> Detector:
        X = check_features(X)
        name = type(self).__name__
        if len(X) < self.min_samples:
            raise DetectorInputError(f"{name} needs at least {self.min_samples} training samples, got {len(X)}")
        if not 0.0 <= self.contamination < 0.5:
            raise DetectorInputError(f"contamination must be in [0, 0.5), got {self.contamination}")
        self.n_features_in_ = X.shape[1]
        self._fit(X)
        self.threshold_ = float(np.quantile(self._train_scores(X), self.contamination))
        return self

    def score_samples(self, X: object) -> np.ndarray:
        """Normality scores ``(n_samples,)``: higher = more normal."""
        if not hasattr(self, "threshold_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X) first")
        X = check_features(X)
        if X.shape[1] != self.n_features_in_:
            raise DetectorInputError(f"X has {X.shape[1]} features but the detector was fitted on "
                                     f"{self.n_features_in_}; use the same feature space for fit and score")
        return np.asarray(self._score(X), dtype=np.float64)

    def decision_function(self, X: object) -> np.ndarray:
        """``score_samples(X) - threshold_``: negative for predicted anomalies."""
        return self.score_samples(X) - self.threshold_

    def predict(self, X: object) -> np.ndarray:
        """``+1`` for normal, ``-1`` for anomalous samples (``score_samples(X) >= threshold_``)."""
        return np.where(self.score_samples(X) >= self.threshold_, 1, -1)

    def _train_scores(self, X: np.ndarray) -> np.ndarray:
        return self._score(X)

    def _fit(self, X: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError
