"""Pure metric functions (numpy in, floats out), each checked against an independent reference
(scikit-learn, torchmetrics, a closed form): classification, ranking (AUROC, AP), regression, image
quality and speech quality (SNR, SI-SDR, PESQ, STOI).

Examples:
    >>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
    0.75
"""

from __future__ import annotations

from goodfit.metrics.audio import pesq, si_sdr, snr, stoi
from goodfit.metrics.classification import (
    accuracy,
    classification_summary,
    confusion_matrix,
    majority_baseline,
    precision_recall_f1,
)
from goodfit.metrics.images import image_summary, mse, psnr
from goodfit.metrics.ranking import auroc, average_precision, best_f1_threshold, binary_counts, roc_points
from goodfit.metrics.regression import mae, r2, regression_summary, rmse

__all__ = [
    "accuracy",
    "auroc",
    "average_precision",
    "best_f1_threshold",
    "binary_counts",
    "classification_summary",
    "confusion_matrix",
    "image_summary",
    "mae",
    "majority_baseline",
    "mse",
    "pesq",
    "precision_recall_f1",
    "psnr",
    "r2",
    "regression_summary",
    "rmse",
    "roc_points",
    "si_sdr",
    "snr",
    "stoi",
]
