"""Loss slices around a trained run (Li et al. 2018) against closed forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from helpers import run_cli
from torch import nn

from goodfit import Config, apply_overrides, fit
from goodfit.landscapes.slices import filter_normalized_direction, loss_line, loss_plane, slice_run


def test_a_linear_model_with_mse_is_a_parabola_along_any_line():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = torch.randn(64, 3), torch.randn(64, 1)
    origin = {k: v.detach() for k, v in model.named_parameters()}
    direction = filter_normalized_direction(model, torch.Generator().manual_seed(1))
    alphas = np.linspace(-2, 2, 9)
    losses = loss_line(model, origin, direction, nn.MSELoss(), x, y, alphas)
    coeffs, residual, *_ = np.polyfit(alphas, losses, 2, full=True)
    assert coeffs[0] > 0 and residual[0] < 1e-10
    plane = loss_plane(model, origin, direction, direction, nn.MSELoss(), x, y, alphas, alphas)
    assert plane[4, 6] == pytest.approx(losses[6])  # a + b with one direction twice: the line at a + b
    assert plane[3, 5] == pytest.approx(losses[4])


def test_conv_filters_are_normalized_per_output_channel():
    conv = nn.Conv2d(2, 4, 3)
    d = filter_normalized_direction(conv, torch.Generator().manual_seed(0))
    assert torch.allclose(d["weight"].flatten(1).norm(dim=1), conv.weight.flatten(1).norm(dim=1))
    assert float(d["bias"].abs().sum()) == 0


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    cfg = apply_overrides(Config(), ["data.name=digits", "model.hidden=32", "train.epochs=10",
                                     f"out_dir={tmp_path_factory.mktemp('slices')}"])
    return fit(cfg, progress="quiet", report=False).run_dir


def test_the_line_runs_from_the_trained_loss_to_the_untrained_one(digits_run):
    s = slice_run(digits_run, points=11, samples=512)
    final, initial, _hill = s.on_the_line()
    assert final < 1.0 < initial and initial == pytest.approx(math.log(10), rel=0.1)  # an untrained net: ~ln C
    assert s.plane.shape == (11, 11) and s.plane[5, 2] == pytest.approx(final, rel=1e-6)  # b = 0, a = 0
    assert np.allclose(s.plane[5], s.line)


def test_optim_slice_writes_its_figure_into_the_run(digits_run):
    proc = run_cli("optim", "slice", digits_run, "--points", "7", "--samples", "256")
    assert "training loss: final weights" in proc.stdout
    saved = json.loads((digits_run / "landscape" / "slices.json").read_text())
    assert len(saved["alphas"]) == 7 and (digits_run / "landscape" / "slices.png").is_file()


def test_hikers_walk_on_a_runs_real_loss_slice(digits_run):
    from goodfit.landscapes import LANDSCAPES, WalkConfig, walk

    land = LANDSCAPES.create(f"run:{digits_run}")
    s = slice_run(digits_run, points=31)
    _final, initial, _ = s.on_the_line()
    at = torch.tensor([s.alphas[8], s.betas[15]], dtype=torch.float64)  # a grid point: the measured value
    assert float(land.value(at)) == pytest.approx(s.plane[15, 8], rel=1e-9)
    t = walk(land, [1.0, 0.0], WalkConfig(lr=0.05, steps=300))  # from the initial weights, downhill
    assert t.losses[-1] < 0.5 * initial and t.end[0] < 0.5


def test_the_trajectory_is_projected_on_its_principal_plane(tmp_path):
    from goodfit.landscapes.slices import trajectory_plane
    from goodfit.train.callbacks.trajectory import read_trajectory

    cfg = apply_overrides(Config(), ["data.name=digits", "model.hidden=32", "train.epochs=6", "train.select=last",
                                     "train.keep_trajectory=true", f"out_dir={tmp_path}"])
    run = fit(cfg, progress="quiet", report=False).run_dir
    epochs, weights = read_trajectory(run / "checkpoints" / "trajectory")
    assert epochs == [1, 2, 3, 4, 5, 6] and weights.shape[0] == 6
    t = trajectory_plane(run, points=9, samples=256)
    assert t.epochs == [0, 1, 2, 3, 4, 5, 6] and 0.5 < sum(t.explained) <= 1 + 1e-9
    best = json.loads((run / "metrics.json").read_text())["best_epoch"]
    if best == 6:  # the centre is the best weights; with select=last and the best epoch last, it is epoch 6
        assert np.allclose(t.coords[-1], 0, atol=1e-4)
    assert t.plane.shape == (9, 9) and np.isfinite(t.plane).all()
    proc = run_cli("optim", "slice", run, "--points", "5", "--samples", "128")
    assert "trajectory:" in proc.stdout and (run / "landscape" / "trajectory.png").is_file()
