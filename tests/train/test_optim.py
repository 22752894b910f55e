"""Optimizers from the config: parameter groups (optim.norm_lr_scale) and the learning-rate schedules."""

import pytest
import torch
from torch import nn

from goodfit.config import OptimConfig
from goodfit.errors import ConfigError
from goodfit.train.optim import build_optimizer, build_scheduler, param_groups

CPU = torch.device("cpu")


def _net():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))


def test_one_group_by_default():
    opt = build_optimizer(_net(), OptimConfig(name="sgd", lr=0.1), device=CPU)
    assert len(opt.param_groups) == 1 and len(opt.param_groups[0]["params"]) == 6


def test_norm_lr_scale_keeps_the_decay_per_step():
    net = _net()
    cfg = OptimConfig(name="sgd", lr=0.1, weight_decay=1e-3, norm_lr_scale=64)
    main, norm = build_optimizer(net, cfg, device=CPU).param_groups
    assert {id(p) for p in norm["params"]} == {id(net[1].weight), id(net[1].bias)}
    assert (main["lr"], main["weight_decay"]) == (0.1, 1e-3)
    assert norm["lr"] == pytest.approx(6.4) and norm["lr"] * norm["weight_decay"] == pytest.approx(0.1 * 1e-3)


def test_norm_lr_scale_without_norm_layers_is_a_one_line_error():
    with pytest.raises(ConfigError, match="this model has none; leave it at 1"):
        param_groups(nn.Linear(2, 2), OptimConfig(norm_lr_scale=2))


def _lrs(opt, scheduler, steps):
    out = []
    for _ in range(steps):
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        scheduler.step()
    return out


def test_triangle_rises_from_a_fifth_to_the_peak_then_falls_to_seven_percent():
    """airbench94's schedule: 0.2 -> 1 over the first 23 % of the steps, then down to 0.07, linearly."""
    cfg = OptimConfig(name="sgd", lr=1.0, schedule="triangle")
    opt = build_optimizer(nn.Linear(2, 2), cfg, device=CPU)
    lrs = [row[0] for row in _lrs(opt, build_scheduler(opt, cfg, total_steps=100), 101)]
    assert lrs[0] == pytest.approx(0.2) and lrs[23] == pytest.approx(1.0) and lrs[100] == pytest.approx(0.07)
    assert lrs[10] == pytest.approx(0.2 + 0.8 * 10 / 23) and lrs[60] == pytest.approx(1 - 0.93 * 37 / 77)
    assert opt.param_groups[0]["momentum"] == 0.9  # not cycled


@pytest.mark.parametrize("schedule", ["onecycle", "triangle", "cosine"])
def test_every_schedule_keeps_the_groups_ratio(schedule):
    cfg = OptimConfig(name="sgd", lr=0.5, schedule=schedule, norm_lr_scale=8)
    opt = build_optimizer(_net(), cfg, device=CPU)
    for main, norm in _lrs(opt, build_scheduler(opt, cfg, total_steps=20), 18):
        assert norm == pytest.approx(8 * main)
