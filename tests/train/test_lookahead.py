"""Lookahead (optim.lookahead): airbench94's slow weights, the closed form of one sync, syncing at epoch ends."""

import pytest
import torch
from torch import nn

from goodfit.train.callbacks import TrainState
from goodfit.train.callbacks.lookahead import LOOKAHEAD_FINAL_DECAY, Lookahead


def _state(model, epochs=2, steps=7):
    return TrainState(model, torch.optim.SGD(model.parameters(), lr=0.1), None, epochs=epochs, steps_per_epoch=steps)


def _move(model, by):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(by)


def test_weights_move_back_toward_the_slow_copy_by_the_scheduled_decay():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    state = _state(model)
    start = [p.detach().clone() for p in model.parameters()]
    look = Lookahead()
    look.on_fit_start(state)
    _move(model, 1.0)
    state.step = 4  # not a sync step: nothing happens
    look.on_batch_end(state, torch.tensor(0.0))
    assert all(torch.allclose(p, s + 1) for p, s in zip(model.parameters(), start))
    state.step = 5
    look.on_batch_end(state, torch.tensor(0.0))
    decay = LOOKAHEAD_FINAL_DECAY * (5 / 14) ** 3
    assert all(torch.allclose(p, s + 1 - decay) for p, s in zip(model.parameters(), start))
    assert all(torch.equal(p, look.slow[k]) for k, p in model.state_dict().items())


def test_the_last_step_of_each_epoch_syncs_so_validation_sees_the_slow_weights():
    model = nn.BatchNorm1d(2)
    state = _state(model)
    look = Lookahead()
    look.on_fit_start(state)
    model(torch.randn(8, 2) + 3)  # running statistics move; they are averaged too
    state.step = 7  # the end of epoch 1 (7 steps), not a multiple of 5
    look.on_batch_end(state, torch.tensor(0.0))
    assert torch.equal(model.running_mean, look.slow["running_mean"]) and "num_batches_tracked" not in look.slow


def test_state_dict_restores_the_slow_copy():
    model = nn.Linear(2, 2)
    look = Lookahead()
    look.on_fit_start(_state(model))
    again = Lookahead()
    again.load_state_dict(look.state_dict())
    again.on_fit_start(_state(nn.Linear(2, 2)))  # a resumed run keeps the saved copy, not the new model's
    assert all(torch.equal(again.slow[k], v) for k, v in look.slow.items())


def test_lookahead_runs_in_one_process_only():
    from goodfit.config import Config, apply_overrides
    from goodfit.errors import ConfigError

    with pytest.raises(ConfigError, match="optim.lookahead runs in one process only"):
        apply_overrides(Config(), ["optim.lookahead=true", "train.nproc=2"])
