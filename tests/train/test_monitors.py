"""Each training monitor: flags the faulty model, silent on the healthy one."""

import torch
from torch import nn

from goodfit.train import MemoryBatches, TrainState, train_loop
from goodfit.train.callbacks.monitors import Monitors


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


class LogOf(nn.Module):  # produces NaN for negative inputs
    def forward(self, x):
        return torch.log(x)


def data(n=256, d=8, classes=4):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=g)
    return x, (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()


def healthy(act=nn.ReLU):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), act(), nn.Linear(32, 32), act(), nn.Linear(32, 4))


def watch(model, *, lr=1e-3, opt=torch.optim.Adam, params=None, epochs=2):
    x, y = data()
    mon = Monitors(x[:64], y[:64], every=1)
    watch.last = mon
    optim = opt(params if params is not None else model.parameters(), lr=lr)
    batches = MemoryBatches(x, y, batch_size=32, seed=0)
    state = TrainState(model, optim, None, epochs=epochs, steps_per_epoch=len(batches))
    try:
        train_loop(state, batches, valid=None, callbacks=[mon], device=torch.device("cpu"))
    except Exception:  # a NaN run stops; the monitors' findings remain
        pass
    return {f.id: f for f in mon.findings}


def test_healthy_relu_and_tanh_models_are_silent():
    assert watch(healthy()) == {}
    assert watch(healthy(nn.Tanh)) == {}


def test_vanishing_gradient_names_the_layer():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), Scale(1e-9), nn.ReLU(), nn.Linear(16, 4))
    watch(model)
    assert "0.weight" in wheres("vanishing-gradient")


def test_exploding_gradient():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), Scale(1e6), nn.Linear(16, 4))
    assert found_where(watch(model, opt=torch.optim.SGD, lr=1e-12), "exploding-gradient") == "2.weight"


def found_where(found, key):
    return found[key].where


def wheres(key):
    return {f.where for f in watch.last.findings if f.id == key}


def test_first_nonfinite_activation():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), LogOf(), nn.Linear(16, 4))
    assert watch(model)["nonfinite-activation"].where == "1"


def test_dead_relu():
    torch.manual_seed(0)
    model = healthy()
    with torch.no_grad():
        model[2].bias.fill_(-100.0)
    assert watch(model)["dead-relu"].where == "3"


def test_saturated_tanh():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), Scale(100.0), nn.Tanh(), nn.Linear(32, 4))
    assert watch(model)["saturated-activation"].where == "2"


def test_update_ratio_too_low():
    found = watch(healthy(), opt=torch.optim.SGD, lr=1e-9)
    assert "update-ratio" in found and "too low" in found["update-ratio"].message


def test_parameters_left_out_of_the_optimizer_never_change():
    model = healthy()
    watch(model, params=list(model[2].parameters()) + list(model[4].parameters()))
    assert wheres("unchanged-parameters") == {"0.weight", "0.bias"}


def test_poor_initialization():
    torch.manual_seed(0)
    layers = []
    for _ in range(8):
        lin = nn.Linear(32, 32)
        nn.init.normal_(lin.weight, std=0.01)
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.Tanh()]
    model = nn.Sequential(nn.Linear(8, 32), *layers, nn.Linear(32, 4))
    assert "poor-initialization" in watch(model, epochs=1)


def test_resuming_a_finished_run_reports_no_unchanged_parameters():
    """A run resumed after its last epoch takes no step: its weights did train, before the resume."""
    model = healthy()
    x, y = data()
    mon = Monitors(x[:64], y[:64], every=1)
    state = TrainState(model, torch.optim.Adam(model.parameters()), None, epochs=2, steps_per_epoch=8)
    state.epoch, state.step = 2, 16  # what restore_training leaves for a run that had finished
    train_loop(state, MemoryBatches(x, y, batch_size=32, seed=0), valid=None, callbacks=[mon],
               device=torch.device("cpu"))
    assert "unchanged-parameters" not in {f.id for f in mon.findings}


def test_monitors_probe_with_the_tasks_loss():
    """A regression model probed with its own loss (MSE on (N, 1) targets), not cross-entropy."""
    torch.manual_seed(0)
    x = torch.randn(128, 8)
    y = x[:, :1] * 2
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    mon = Monitors(x[:64], y[:64], loss_fn=nn.MSELoss(), every=1)
    state = TrainState(model, torch.optim.Adam(model.parameters(), lr=1e-2), None, epochs=2, steps_per_epoch=4)
    from goodfit.tasks import Regression

    train_loop(state, MemoryBatches(x, y, batch_size=32, seed=0), valid=None, task=Regression(),
               loss_fn=nn.MSELoss(), callbacks=[mon], device=torch.device("cpu"))
    assert mon.findings == []
