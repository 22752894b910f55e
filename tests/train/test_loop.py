import pytest
import torch
from torch import nn

import goodfit.train.loop as loop
from goodfit.errors import TrainingError
from goodfit.train import EarlyStopping, MemoryBatches, TrainState, train_loop
from goodfit.train.callbacks import Callback


def _problem(seed=0, n=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return x, y


def _state(model, lr=0.1, epochs=10, steps=8):
    return TrainState(model, torch.optim.SGD(model.parameters(), lr=lr), None, epochs=epochs, steps_per_epoch=steps)


def test_loss_falls_and_history_is_complete():
    torch.manual_seed(0)
    x, y = _problem()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    s = train_loop(_state(model, epochs=15), MemoryBatches(x, y, batch_size=32, seed=0),
                   valid=_problem(1, 128), device=torch.device("cpu"))
    assert len(s.history) == 15 and s.step == 15 * 8
    assert s.history[-1]["train_loss"] < s.history[0]["train_loss"] * 0.5
    assert s.history[-1]["valid_acc"] > 0.9
    assert set(s.history[0]) == {"epoch", "train_loss", "train_acc", "valid_loss", "valid_acc", "lr", "time"}


def test_early_stopping_on_plateau_and_on_target():
    x, y = _problem()
    model = nn.Linear(2, 2)
    s = train_loop(_state(model, lr=1e-9, epochs=50), MemoryBatches(x, y, batch_size=32, seed=0),
                   valid=_problem(1), callbacks=[EarlyStopping(patience=2, min_delta=1e-3)],
                   device=torch.device("cpu"))
    assert len(s.history) == 3 and "early stopping" in s.stop_reason
    model = nn.Linear(2, 2)
    s = train_loop(_state(model, lr=0.5, epochs=50), MemoryBatches(x, y, batch_size=32, seed=0),
                   valid=_problem(1), callbacks=[EarlyStopping(target=0.9)], device=torch.device("cpu"))
    assert s.history[-1]["valid_acc"] >= 0.9 and len(s.history) < 50 and "target" in s.stop_reason


def test_early_stopping_silent_while_improving():
    es = EarlyStopping(patience=2)
    s = TrainState(nn.Linear(1, 1), None, None, epochs=5, steps_per_epoch=1)  # type: ignore[arg-type]
    for loss in (1.0, 0.9, 0.8, 0.7):
        s.history.append({"valid_loss": loss})
        es.on_epoch_end(s)
    assert not s.should_stop


@pytest.mark.parametrize("keep_outputs", [loop.KEEP_OUTPUTS, 100])
def test_epoch_numbers_equal_the_whole_data_set_at_lr_zero(keep_outputs, monkeypatch):
    """With fixed weights an epoch's train loss and accuracy are those of the whole training set,
    however the loop folds its steps together (61 steps, a partial last batch; with a small
    ``KEEP_OUTPUTS`` the correct predictions are counted every two steps)."""
    monkeypatch.setattr(loop, "KEEP_OUTPUTS", keep_outputs)
    torch.manual_seed(0)
    x, y = _problem(n=32 * 60 + 10)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    s = train_loop(_state(model, lr=0.0, epochs=2, steps=61), MemoryBatches(x, y, batch_size=32, seed=0),
                   valid=None, device=torch.device("cpu"))
    with torch.no_grad():
        logits = model(x)
    for row in s.history:
        assert row["train_loss"] == pytest.approx(float(nn.functional.cross_entropy(logits, y)), rel=1e-6)
        assert row["train_acc"] == float((logits.argmax(1) == y).double().mean())


def test_nan_loss_raises_training_error():
    x, y = _problem()
    x[5] = float("nan")
    with pytest.raises(TrainingError, match="loss became nan.*lower optim.lr"):
        train_loop(_state(nn.Linear(2, 2)), MemoryBatches(x, y, batch_size=32, seed=0), valid=None,
                   device=torch.device("cpu"))


def test_callbacks_see_typed_events_in_order():
    events = []

    class Spy(Callback):
        def on_fit_start(self, state): events.append("start")
        def on_batch_end(self, state, loss): events.append("batch")
        def on_epoch_end(self, state): events.append("epoch")
        def on_fit_end(self, state): events.append("end")

    x, y = _problem(n=64)
    train_loop(_state(nn.Linear(2, 2), epochs=2, steps=2), MemoryBatches(x, y, batch_size=32, seed=0),
               valid=None, callbacks=[Spy()], device=torch.device("cpu"))
    assert events == ["start", "batch", "batch", "epoch", "batch", "batch", "epoch", "end"]


def test_a_regression_task_keeps_no_accuracy_and_validates_with_r2():
    from goodfit.tasks import Regression

    torch.manual_seed(0)
    x = torch.randn(256, 3)
    y = (x @ torch.tensor([1.0, -2.0, 0.5])).view(-1, 1)
    task = Regression().fit(x.numpy(), y.numpy(), classes=())
    targets = torch.from_numpy(task.pair(x.numpy(), y.numpy(), seed=0, train=True)[1])
    s = train_loop(_state(nn.Linear(3, 1), lr=0.1, epochs=20), MemoryBatches(x, targets, batch_size=32, seed=0),
                   valid=(x, targets), task=task, device=torch.device("cpu"))
    assert set(s.history[-1]) == {"epoch", "train_loss", "valid_loss", "valid_mae", "valid_r2", "lr", "time"}
    assert s.history[-1]["valid_r2"] > 0.99


def test_a_custom_step_reports_its_own_numbers_and_no_accuracy():
    class HalfStep:  # a step with a second number to average, as a GAN's discriminator loss
        def __init__(self, model, opt):
            self.model, self.opt = model, opt

        def __call__(self, xb, yb):
            loss = nn.functional.cross_entropy(self.model(xb), yb)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            return loss.detach(), None, {"half": loss.detach() / 2}

    x, y = _problem(n=64)
    model = nn.Linear(2, 2)
    state = _state(model, epochs=2, steps=2)
    s = train_loop(state, MemoryBatches(x, y, batch_size=32, seed=0), valid=None,
                   step=HalfStep(model, state.optimizer), device=torch.device("cpu"))
    assert "train_acc" not in s.history[0]
    assert s.history[0]["half"] == pytest.approx(s.history[0]["train_loss"] / 2)


def test_valid_may_be_a_function_of_the_model():
    x, y = _problem(n=64)
    s = train_loop(_state(nn.Linear(2, 2), epochs=1, steps=2), MemoryBatches(x, y, batch_size=32, seed=0),
                   valid=lambda model: {"valid_loss": 0.5}, device=torch.device("cpu"))
    assert s.history[0]["valid_loss"] == 0.5
