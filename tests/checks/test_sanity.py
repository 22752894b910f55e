"""Overfit-one-batch: each injected fault gets its diagnosis; the healthy setup passes."""

import torch
import torch.nn.functional as F
from torch import nn

from goodfit import Config, apply_overrides
from goodfit.checks import overfit_one_batch, sanity_config


def batch(seed=0, n=32, d=20, classes=5):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.arange(n) % classes


def mlp(d=20, classes=5):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, classes))


def run(model=None, lr=1e-2, loss_fn=F.cross_entropy, batch_fn=None, steps=150, opt="adam"):
    model = model or mlp()
    x, y = batch()
    optim = (torch.optim.Adam if opt == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    result = overfit_one_batch(model, x, y, optimizer=optim, loss_fn=loss_fn, steps=steps, batch_fn=batch_fn)
    return [f.id for f in result.findings], result


def test_healthy_setup_passes():
    ids, result = run()
    assert ids == ["sanity-passed"] and result.accuracy == 1.0 and result.losses[-1] < 0.05


def test_lr_times_1000_explodes():
    assert run(lr=1e-2 * 1000, opt="sgd")[0] == ["loss-exploding"]


def flipped_gradient_ce(out, y):
    """Reports the cross-entropy but steps up its gradient: the loss is being maximized."""
    loss = F.cross_entropy(out, y)
    return loss - 2 * (loss - loss.detach())


def test_maximized_loss_rises():
    ids, result = run(loss_fn=flipped_gradient_ce, lr=1e-2, opt="sgd")
    assert ids == ["loss-rising"]


def test_shuffled_labels_oscillate():
    x, y = batch()
    g = torch.Generator().manual_seed(1)
    mismatched = lambda step: (x, y[torch.randperm(len(y), generator=g)])  # noqa: E731  labels not paired with inputs
    assert run(batch_fn=mismatched, lr=1e-2)[0] == ["loss-oscillating"]


class DetachedMiddle(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(20, 64)
        self.head = nn.Linear(64, 5)

    def forward(self, x):
        return self.head(torch.relu(self.first(x)).detach() * 0 + 0.01)  # the bug: first layer cut off


def test_detached_layer_is_named():
    ids, result = run(model=DetachedMiddle())
    assert ids == ["frozen-parameters"]
    assert "first.weight" in result.findings[0].message


def test_softmax_then_cross_entropy():
    model = nn.Sequential(mlp(), nn.Softmax(dim=1))
    assert run(model=model, lr=1e-3, steps=100)[0] == ["probabilities-to-loss"]


def test_tiny_lr_plateaus():
    assert run(lr=1e-7)[0] == ["loss-plateau-lr"]


def test_sanity_on_goodfit_config():
    result = sanity_config(apply_overrides(Config(), ["data.name=digits"]), steps=100)
    assert result.passed
    bad = sanity_config(apply_overrides(Config(), ["data.name=digits", "optim.lr=1e-7"]), steps=50)
    assert [f.id for f in bad.findings] == ["loss-plateau-lr"]


def test_partial_progress_plateau():
    from goodfit.checks import diagnose_sanity

    curve = [1.6 - 0.6 * (1 - 0.97 ** i) for i in range(150)]  # falls, then flattens near 1.0
    assert [f.id for f in diagnose_sanity(curve, 0.55, n_classes=5, weight_change=0.2)] == ["loss-plateau"]
    healthy = [1.6 * 0.95 ** i for i in range(150)]
    assert [f.id for f in diagnose_sanity(healthy, 1.0, n_classes=5, weight_change=0.2)] == ["sanity-passed"]


class ConstantOutput(nn.Module):
    """The forward value never changes (``body - body.detach()`` is zero), yet gradients reach every
    weight: the weights move, the loss does not."""

    def __init__(self, zeroed=False):
        super().__init__()
        self.body, self.zeroed = mlp(), zeroed

    def forward(self, x):
        out = self.body(x)
        moving = out * 0 if self.zeroed else out - out.detach()
        return moving + torch.arange(5.0)


def test_a_flat_loss_is_not_called_oscillating():
    ids, result = run(model=ConstantOutput())
    assert ids == ["loss-flat"] and "does not depend on them" in result.findings[0].message
    assert run()[0] == ["sanity-passed"]  # the healthy twin


def test_weights_that_never_change_get_the_cause_not_a_learning_rate():
    model, x_y = mlp(), batch()
    other = torch.optim.Adam(mlp().parameters(), lr=1e-2)  # an optimizer over another model's weights
    result = overfit_one_batch(model, *x_y, optimizer=other, steps=30)
    assert [f.id for f in result.findings] == ["optimizer-params-mismatch"]
    ids, result = run(model=ConstantOutput(zeroed=True), steps=30)  # every gradient exactly zero
    assert ids == ["zero-gradient"] and "whatever the learning rate" in result.findings[0].message
    assert run(lr=1e-7)[0] == ["loss-plateau-lr"]  # weights that move too little: the learning rate


def test_batch_norm_with_one_sample_is_a_one_line_error():
    import pytest

    from goodfit.errors import ConfigError

    model = nn.Sequential(nn.Linear(20, 8), nn.BatchNorm1d(8), nn.Linear(8, 5))
    x, y = batch(n=1)
    with pytest.raises(ConfigError, match="need at least 2 samples per training batch"):
        overfit_one_batch(model, x, y, optimizer=torch.optim.Adam(model.parameters()))
    with pytest.raises(ConfigError, match="--batch-size"):
        sanity_config(apply_overrides(Config(), ["data.name=digits", "model.batchnorm=true"]), batch_size=1)
