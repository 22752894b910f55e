"""Fréchet distance against closed forms on Gaussians; label distributions; penultimate features."""

import numpy as np
import pytest
from scipy.stats import special_ortho_group

from goodfit.generative.quality import (
    frechet_distance,
    gaussian_stats,
    label_distribution,
    penultimate_features,
)


def test_frechet_distance_of_a_gaussian_to_itself_is_zero():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    sigma = a @ a.T + np.eye(5)
    assert frechet_distance(np.ones(5), sigma, np.ones(5), sigma) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_diagonal_closed_form():
    # for diagonal covariances: ||mu1 - mu2||² + sum_i (s1_i - s2_i)² with standard deviations s
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 0.5])
    expected = ((mu1 - mu2) ** 2).sum() + ((s1 - s2) ** 2).sum()
    assert frechet_distance(mu1, np.diag(s1**2), mu2, np.diag(s2**2)) == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_commuting_covariances_in_a_rotated_basis():
    # S1 = Q diag(a) Q^T, S2 = Q diag(b) Q^T commute: Tr(S1 + S2 - 2 (S1 S2)^½) = sum (√a - √b)²
    q = special_ortho_group.rvs(4, random_state=0)
    a, b = np.array([1.0, 4.0, 9.0, 0.25]), np.array([4.0, 1.0, 9.0, 1.0])
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    mu = np.array([0.5, -1.0, 0.0, 2.0])
    expected = mu @ mu + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu, s1, np.zeros(4), s2) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_from_samples_approaches_the_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, size=(40_000, 2))
    y = rng.normal([1.0, 0.0], [2.0, 1.0], size=(40_000, 2))
    d = frechet_distance(*gaussian_stats(x), *gaussian_stats(y))
    assert d == pytest.approx(1.0 + 1.0, abs=0.05)  # mean shift 1, std 1 -> 2 on one axis


def test_frechet_distance_is_finite_for_singular_covariances():
    sigma = np.diag([1.0, 0.0])  # a dead unit
    assert np.isfinite(frechet_distance(np.zeros(2), sigma, np.zeros(2), np.diag([2.0, 0.0])))
    with pytest.raises(Exception, match="matching shapes"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_label_distribution():
    d = label_distribution(np.array([0] * 90 + [1] * 10), 4, reference=np.array([0, 1, 2, 3]))
    assert d["counts"] == [90, 10, 0, 0] and d["covered"] == 2  # covered: >= a quarter of the uniform 25 %
    assert d["kl_to_data"] > 0.5


def test_penultimate_features_of_goodfit_models():
    import torch

    from goodfit.models import ConvNet

    torch.manual_seed(0)
    model = ConvNet((1, 28, 28), 10, channels=(8, 16)).train()
    f = penultimate_features(model, np.zeros((5, 1, 28, 28), np.float32), batch_size=2)
    assert f.shape == (5, model.head[-1].in_features) and model.training  # eval mode inside; mode restored
