"""How good are the samples? A Fréchet distance and mode coverage, both seen by a goodfit classifier.

- **Fréchet distance** between Gaussians fitted to features of real test images and of samples:
  ``||mu_r - mu_g||² + Tr(S_r + S_g - 2 (S_r S_g)^½)`` (Dowson & Landau, 1982). The features are the
  *penultimate layer of a goodfit classifier trained on the same data set*, not Inception-v3's
  pool features, so the numbers are **not FID** and are comparable only with others made by the
  same classifier. The distance between two sets of real images (train vs test) is reported
  beside it as the floor that sampling noise alone gives.
- **Mode coverage**: the classifier's label distribution over the samples; a generator that
  drops classes (mode collapse) shows empty bins, low normalized entropy and a large KL to the
  data's label distribution.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.errors import ConfigError

__all__ = ["frechet_distance", "gaussian_stats", "penultimate_features", "label_distribution", "assess",
           "classifier_for"]

COVERED_SHARE = 0.25  # a class counts as covered when it gets at least a quarter of its uniform share


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(D,)`` and sample covariance ``(D, D)`` of ``(N, D)`` features, in float64."""
    f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False))


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """The Fréchet (2-Wasserstein squared) distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``.

    Examples:
        >>> # 1-D: (m1 - m2)² + (s1 - s2)² with standard deviations s
        >>> round(frechet_distance(np.zeros(1), np.eye(1) * 4.0, np.ones(1), np.eye(1)), 6)
        2.0
    """
    from scipy.linalg import sqrtm

    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (len(mu1), len(mu1)):
        raise ConfigError(f"frechet_distance needs matching shapes, got mu {mu1.shape}/{mu2.shape} "
                          f"and sigma {s1.shape}/{s2.shape}")
    with warnings.catch_warnings():  # dead ReLU units make covariances singular; handled below
        warnings.simplefilter("ignore")
        covmean = sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():  # regularize, as the FID reference code does
            eps = 1e-6 * np.eye(len(s1))
            covmean = sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)  # round-off leaves tiny imaginary parts
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean), 0.0))


def _last_linear(model: nn.Module) -> nn.Linear:
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ConfigError(f"{type(model).__name__} has no final nn.Linear layer to take features before")
    return linears[-1]


@torch.no_grad()
def penultimate_features(model: nn.Module, x: np.ndarray | torch.Tensor, *, batch_size: int = 1024) -> np.ndarray:
    """The input of a classifier's last linear layer ``(N, D)``: its penultimate-layer features.

    Examples:
        >>> from goodfit.models import MLP
        >>> penultimate_features(MLP((1, 8, 8), 10, hidden=(32, 16)), np.zeros((3, 1, 8, 8), np.float32)).shape
        (3, 16)
    """
    captured: list[torch.Tensor] = []
    hook = _last_linear(model).register_forward_pre_hook(lambda _m, args: captured.append(args[0].detach()))
    x = torch.as_tensor(x)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        for i in range(0, len(x), batch_size):
            model(x[i : i + batch_size].to(device))
    finally:
        hook.remove()
        model.train(was_training)
    return torch.cat(captured).flatten(1).float().cpu().numpy() if captured else np.empty((0, 0), np.float32)


def label_distribution(labels: np.ndarray, n_classes: int, *, reference: np.ndarray | None = None) -> dict[str, Any]:
    """Counts and shares of predicted labels, normalized entropy, covered classes, KL to ``reference``.

    Examples:
        >>> d = label_distribution(np.array([0, 0, 1, 1]), 4)
        >>> d["covered"], round(d["entropy_normalized"], 3)
        (2, 0.5)
    """
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]
    p = counts / max(counts.sum(), 1)
    nz = p[p > 0]
    entropy = float(-(nz * np.log(nz)).sum())
    out = {"counts": counts.tolist(), "shares": p.tolist(), "entropy_normalized": float(entropy / np.log(n_classes)),
           "covered": int((p >= COVERED_SHARE / n_classes).sum()), "n_classes": n_classes}
    if reference is not None:
        q = np.bincount(np.asarray(reference, dtype=np.int64), minlength=n_classes)[:n_classes].astype(np.float64)
        q = (q + 1e-12) / q.sum()
        out["kl_to_data"] = float(sum(pi * np.log(pi / qi) for pi, qi in zip(p, q) if pi > 0))
    return out


def classifier_for(config: Any, run: Any, *, device: torch.device | str = "cpu") -> Any:
    """The judging classifier: ``quality.classifier`` if set, else one trained now in ``RUN/classifier``.

    It is trained on the same data set, split and ``split_seed`` as the generator, so the test
    images it later sees were never used for training either model.
    """
    from goodfit.trained import load_model

    q = config.quality
    if q.classifier:
        loaded = load_model(q.classifier, device=str(device))
        if loaded.config.data.name != config.data.name:
            raise ConfigError(f"quality.classifier was trained on {loaded.config.data.name}, not "
                              f"{config.data.name}; pass a classifier run on the same data set")
        return loaded
    from goodfit.config import Config, DataConfig, ModelConfig, TrainConfig
    from goodfit.experiment import fit

    cfg = Config(name="classifier", seed=config.seed, out_dir=str(run.path),
                 data=replace(config.data, scaling=DataConfig().scaling),
                 model=ModelConfig(name=q.classifier_model),
                 train=TrainConfig(epochs=q.classifier_epochs, device=str(device), check=False, monitors=False))
    fit(cfg, run_dir=Path(run.path) / "classifier", progress="quiet", report=False)
    return load_model(Path(run.path) / "classifier", device=str(device))


def assess(model: nn.Module, data: Any, config: Any, run: Any, *, device: torch.device | str = "cpu") -> dict[str, Any]:
    """Fréchet distance (samples vs test, and train vs test as the floor) and mode coverage."""
    from goodfit.generative.sample import sample_images

    clf = classifier_for(config, run, device=device)
    n = min(config.quality.n_samples, len(data.test), len(data.train))
    rng = np.random.default_rng(config.seed)
    real_test = data.test.x[rng.choice(len(data.test), n, replace=False)]
    real_train = data.train.x[rng.choice(len(data.train), n, replace=False)]
    fake = sample_images(model, n, seed=config.seed + 1)

    def features(x: np.ndarray) -> np.ndarray:  # scaled [0, 1] → data units → the classifier's scaling
        return penultimate_features(clf.model, clf.scaler.transform(data.scaler.inverse_transform(x)))

    f_test, f_train, f_fake = features(real_test), features(real_train), features(fake)
    stats_test = gaussian_stats(f_test)
    predicted = clf.predict_proba(data.scaler.inverse_transform(fake), device=str(device)).argmax(1)
    test_pred = clf.predict_proba(data.scaler.inverse_transform(real_test), device=str(device)).argmax(1)
    return {
        "frechet_distance": frechet_distance(*gaussian_stats(f_fake), *stats_test),
        "frechet_distance_train_vs_test": frechet_distance(*gaussian_stats(f_train), *stats_test),
        "feature_space": f"penultimate layer ({f_test.shape[1]} units) of a goodfit {clf.config.model.name} "
                         f"classifier trained on {config.data.name} (not Inception features: not FID)",
        "classifier_run": str(config.quality.classifier or Path(run.path) / "classifier"),
        "n_samples": n,
        "mode_coverage": label_distribution(predicted, len(data.classes), reference=data.train.y),
        "test_label_distribution": label_distribution(test_pred, len(data.classes), reference=data.train.y),
    }
