"""Hikers against closed forms: gradient descent's divergence edge and rate on a quadratic, the
lecture's examples, Himmelblau's four minima, Rosenbrock's (1, 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from goodfit.errors import ConfigError
from goodfit.landscapes import LANDSCAPES, WalkConfig, explore, judge_lr, quadratic, starting_points, walk

NO_STOP = {"tol_change": 0.0, "tol_grad": 0.0}


@pytest.mark.parametrize("kappa", [1.0, 4.0, 25.0])
def test_gd_on_a_quadratic_diverges_exactly_above_2_over_L(kappa):
    land, edge = quadratic(kappa), 2 / kappa
    below = walk(land, [1.0, 1.0], WalkConfig(lr=0.99 * edge, steps=3000))
    above = walk(land, [1.0, 1.0], WalkConfig(lr=1.01 * edge, steps=5000))
    assert below.stop_reason != "diverged" and np.allclose(below.end, (0, 0), atol=1e-3)
    assert above.stop_reason == "diverged"


@pytest.mark.parametrize("lr", [0.05, 0.15, 0.3])
def test_gd_on_a_quadratic_converges_at_the_predicted_linear_rate(lr):
    """Each coordinate shrinks by |1 - lr·curvature| per step; the distance, by the largest of them."""
    kappa = 4.0
    t = walk(quadratic(kappa), [1.0, 1.0], WalkConfig(lr=lr, steps=300, **NO_STOP))
    rate = max(abs(1 - lr), abs(1 - lr * kappa))
    dist = np.linalg.norm(t.points, axis=1)
    assert dist[300] / dist[299] == pytest.approx(rate, rel=1e-9)  # once the faster coordinate has died out


def test_the_lectures_parabola_has_its_minimum_minus_2_at_minus_1():
    land = LANDSCAPES.create("lecture-parabola")
    for start in (-4.0, 0.0, 2.0):
        t = walk(land, [start], WalkConfig(lr=0.1))
        assert t.end[0] == pytest.approx(-1.0, abs=1e-4) and t.losses[-1] == pytest.approx(-2.0, abs=1e-8)


def test_the_lectures_slope_has_the_gradient_6x_minus_2():
    import torch

    land = LANDSCAPES.create("lecture-slope")
    p = torch.tensor([1.5, 0.3], dtype=torch.float64, requires_grad=True)
    land.value(p).backward()
    assert p.grad.tolist() == [9.0, -2.0]
    t = walk(land, [1.0, 0.0], WalkConfig(lr=0.1, steps=50))  # no minimum: walks downhill until the budget ends
    assert t.stop_reason == "max-steps" and t.end[1] == pytest.approx(50 * 0.1 * 2)


def test_hikers_from_the_four_basins_of_himmelblau_end_in_its_four_minima():
    land = LANDSCAPES.create("himmelblau")
    for start, minimum in zip([(4, 4), (-4, 4), (-4, -4), (4, -4)], land.minima):
        t = walk(land, start, WalkConfig(lr=0.01))
        assert t.end == pytest.approx(minimum, abs=1e-4), (start, t.end)


@pytest.mark.parametrize("optimizer, lr, steps", [("momentum", 1e-3, 20000), ("adam", 0.02, 10000)])
def test_rosenbrock_reaches_1_1_with_momentum_and_adam(optimizer, lr, steps):
    t = walk(LANDSCAPES.create("rosenbrock"), [-1.5, 2.0], WalkConfig(optimizer=optimizer, lr=lr, steps=steps))
    assert t.stop_reason != "diverged"
    assert t.end == pytest.approx((1.0, 1.0), abs=2e-2), (t.end, t.stop_reason)


def test_plain_gd_creeps_along_rosenbrocks_valley():
    """The flat, curved valley: with a stable lr, gradient descent is still far from (1, 1) after 2,000 steps."""
    t = walk(LANDSCAPES.create("rosenbrock"), [-1.5, 2.0], WalkConfig(lr=1e-3, steps=2000))
    assert t.stop_reason == "max-steps" and math.dist(t.end, (1.0, 1.0)) > 0.1


def test_every_stop_reason_is_reachable():
    land = quadratic(4.0)
    assert walk(land, [1, 1], WalkConfig(lr=0.1, steps=5, **NO_STOP)).stop_reason == "max-steps"
    assert walk(land, [1, 1], WalkConfig(lr=0.1, tol_change=1e-3, tol_grad=0)).stop_reason == "barely-moves"
    assert walk(land, [1, 1], WalkConfig(lr=0.1, tol_change=0, tol_grad=1e-3)).stop_reason == "small-gradient"
    assert walk(land, [1, 1], WalkConfig(lr=0.1, target=0.01, **NO_STOP)).stop_reason == "target-reached"
    assert walk(land, [1, 1], WalkConfig(lr=0.6, **NO_STOP)).stop_reason == "diverged"


def test_sgd_noise_shrinks_with_the_batch_size():
    """Gradient noise ~ 1/sqrt(batch): near the bottom, bigger batches scatter the hiker less."""
    land = quadratic(1.0)

    def spread(batch: int) -> float:
        ends = [walk(land, [1, 1], WalkConfig(optimizer="sgd", lr=0.1, steps=300, batch_size=batch, seed=s,
                                              **NO_STOP)).end for s in range(20)]
        return float(np.linalg.norm(ends, axis=1).mean())

    small, large = spread(1), spread(100)
    assert large < small / 5  # sqrt(100) = 10 in theory


def test_the_learning_rate_sweep_names_each_regime():
    land = quadratic(10.0)
    verdicts = [judge_lr(walk(land, [2.0, 1.0], WalkConfig(lr=lr, steps=200)), land)
                for lr in (0.001, 0.1, 0.19, 0.21)]
    assert verdicts == ["too small", "good", "too large", "diverging"]


def test_explore_walks_every_lr_and_judges_them():
    ex = explore(quadratic(10.0), WalkConfig(lr=0.1, steps=200), hikers=3, starts="grid")
    assert list(ex.by_lr) == [0.005, 0.1, 0.19, 0.21] and all(len(v) == 3 for v in ex.by_lr.values())
    assert [verdict for _lr, verdict, _t in ex.sweep] == ["too small", "good", "too large", "diverging"]


def test_starting_points_are_inside_the_window_and_seeded():
    land = LANDSCAPES.create("beale")
    pts = starting_points(land, 7, seed=3)
    assert pts == starting_points(land, 7, seed=3) != starting_points(land, 7, seed=4)
    assert all(-4.5 < v < 4.5 for p in pts for v in p)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"optimizer": "lbfgs"}, "unknown optimizer"), ({"lr": 0}, "lr must be"), ({"lr": float("nan")}, "lr must be"),
    ({"steps": 0}, "steps"), ({"momentum": 1.0}, "momentum"), ({"batch_size": 0}, "batch_size"),
])
def test_bad_walk_settings_are_one_line_errors(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        WalkConfig(**kwargs)


def test_a_start_of_the_wrong_size_is_refused():
    with pytest.raises(ConfigError, match="needs 2 values"):
        walk(quadratic(), [1.0])
