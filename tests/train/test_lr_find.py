"""The learning-rate range test: the rule against a curve with a known steepest point, and a test
that leaves the model and the random streams as they were."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from goodfit.train.lr_find import lr_range_test, suggest_lr


@pytest.mark.parametrize("centre", [-4.0, -2.5, -1.0])
def test_the_suggestion_is_where_the_loss_falls_fastest(centre):
    """loss = 2 - tanh(log10 lr - centre) falls fastest at lr = 10**centre, then rises after its minimum."""
    lrs = list(np.logspace(-7, 1, 201))
    logs = np.log10(lrs)
    loss = list(2 - np.tanh(logs - centre) + np.where(logs > centre + 2, 5 * (logs - centre - 2), 0))
    lr, rule, alternatives = suggest_lr(lrs, loss)
    assert rule == "steepest" and lr == pytest.approx(10**centre, rel=0.1)
    assert alternatives["min/10"] == pytest.approx(lrs[int(np.argmin(loss))] / 10)


def test_a_curve_that_only_rises_falls_back_to_min_over_10():
    lrs = list(np.logspace(-7, 1, 50))
    lr, rule, _ = suggest_lr(lrs, list(np.linspace(1, 5, 50)))
    assert rule == "min/10" and lr == pytest.approx(1e-8)


def _problem():
    torch.manual_seed(0)
    x = torch.randn(512, 4)
    y = (x[:, 0] - x[:, 1] > 0).long()
    return [(x[i:i + 64], y[i:i + 64]) for i in range(0, 512, 64)]


def test_the_range_test_changes_neither_the_model_nor_the_random_stream():
    batches = _problem()
    model = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.2), nn.ReLU(), nn.Linear(16, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    found = lr_range_test(model, batches, nn.CrossEntropyLoss(), lambda p, lr: torch.optim.SGD(p, lr=lr))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state())
    assert np.all(np.diff(found.lrs) > 0) and found.lrs[0] == pytest.approx(1e-7)
    assert 1e-3 < found.suggestion < 3.0


def test_the_test_stops_once_the_loss_blows_up():
    torch.manual_seed(0)
    x = 100 * torch.randn(256, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
    found = lr_range_test(nn.Linear(3, 1), batches, nn.MSELoss(), lambda p, lr: torch.optim.SGD(p, lr=lr))
    assert found.stopped_early and len(found.lrs) < 200
    assert found.suggestion < 2 / (2 * 100**2)  # below the divergence edge 2/L of this quadratic (L ~ 2·100²)


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError, match="start < end"):
        lr_range_test(nn.Linear(1, 1), [], nn.MSELoss(), lambda p, lr: torch.optim.SGD(p, lr=lr), start=1, end=0.1)
