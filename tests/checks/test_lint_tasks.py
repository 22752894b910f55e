"""The lint on set-ups beyond class labels: binary (one logit), regression and denoising models get
no false finding and no crash; the target / loss / output mistakes of those set-ups are found."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import goodfit
from goodfit.checks.context import infer_task


def _loaders(x, y, *, batch_size=32):
    n = len(x) // 2
    return (DataLoader(TensorDataset(x[:n], y[:n]), batch_size=batch_size, shuffle=True),
            DataLoader(TensorDataset(x[n:], y[n:]), batch_size=batch_size))


def _ids(findings):
    return sorted(f.id for f in findings)


def _mlp(d_in, d_out, *, last=None):
    layers = [nn.Linear(d_in, 32), nn.ReLU(), nn.Linear(32, d_out)]
    return nn.Sequential(*layers, *([last] if last is not None else []))


@pytest.fixture
def table():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 6, generator=g)
    return x, (x[:, 0] + 0.3 * x[:, 1] > 0).float()  # balanced binary targets as floats


def test_binary_one_logit_with_float_targets_is_clean(table):
    x, y = table
    train, valid = _loaders(x, y)
    model = _mlp(6, 1)
    found = goodfit.check(model=model, train_loader=train, valid_loader=valid, loss_fn=nn.BCEWithLogitsLoss(),
                          optimizer=torch.optim.Adam(model.parameters(), lr=1e-3))
    assert found == []
    train, valid = _loaders(x, y.view(-1, 1))  # (N, 1) targets, as goodfit's binary task makes them
    assert goodfit.check(model=_mlp(6, 1), train_loader=train, valid_loader=valid, loss_fn=nn.BCEWithLogitsLoss()) == []


def test_sigmoid_before_bce_with_logits(table):
    x, y = table
    train, valid = _loaders(x, y)
    found = goodfit.check(model=_mlp(6, 1, last=nn.Sigmoid()), train_loader=train, valid_loader=valid,
                          loss_fn=nn.BCEWithLogitsLoss())
    assert _ids(found) == ["sigmoid-before-bce"]
    # BCELoss on probabilities is the other, legitimate pairing: nothing to report
    assert goodfit.check(model=_mlp(6, 1, last=nn.Sigmoid()), train_loader=train, valid_loader=valid,
                         loss_fn=nn.BCELoss()) == []


def test_regression_model_is_clean_and_a_wrong_output_shape_is_found(table):
    x, _ = table
    y = (x @ torch.arange(6.0)).view(-1, 1)
    train, valid = _loaders(x, y)
    assert goodfit.check(model=_mlp(6, 1), train_loader=train, valid_loader=valid, loss_fn=nn.MSELoss()) == []
    found = goodfit.check(model=_mlp(6, 3), train_loader=train, valid_loader=valid, loss_fn=nn.MSELoss())
    assert _ids(found) == ["wrong-output-units"] and "(3,) per sample but the targets are (1,)" in found[0].message


def test_denoising_model_is_clean():
    g = torch.Generator().manual_seed(1)
    clean = torch.rand(128, 1, 8, 8, generator=g)
    noisy = clean + 0.3 * torch.randn(clean.shape, generator=g)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.Unflatten(1, (1, 8, 8)))
    train, valid = _loaders(noisy, clean)
    assert infer_task(nn.MSELoss(), (noisy, clean)) == "arrays"
    assert goodfit.check(model=model, train_loader=train, valid_loader=valid, loss_fn=nn.MSELoss()) == []


def test_targets_that_do_not_fit_the_loss(table):
    x, y = table
    train, valid = _loaders(x, y)  # float labels to cross-entropy
    found = goodfit.check(model=_mlp(6, 2), train_loader=train, valid_loader=valid, loss_fn=nn.CrossEntropyLoss())
    assert "targets-loss-mismatch" in _ids(found) and "integer class indices" in found[0].message
    one_hot = nn.functional.one_hot(y.long(), 2).float()
    train, valid = _loaders(x, one_hot)
    found = goodfit.check(model=_mlp(6, 2), train_loader=train, valid_loader=valid, loss_fn=nn.CrossEntropyLoss())
    assert [(f.id, f.severity) for f in found] == [("targets-loss-mismatch", "warning")]
    train, valid = _loaders(x, y.long())  # class indices to a regression loss
    found = goodfit.check(model=_mlp(6, 1), train_loader=train, valid_loader=valid, loss_fn=nn.MSELoss())
    assert "targets-loss-mismatch" in _ids(found)
    train, valid = _loaders(x, y.long())  # the same labels, the right loss: nothing
    assert goodfit.check(model=_mlp(6, 2), train_loader=train, valid_loader=valid, loss_fn=nn.CrossEntropyLoss()) == []


def test_binary_targets_outside_0_1_and_a_task_that_does_not_exist(table):
    x, y = table
    train, valid = _loaders(x, 2 * y)
    found = goodfit.check(model=_mlp(6, 1), train_loader=train, valid_loader=valid, loss_fn=nn.BCEWithLogitsLoss())
    assert "labels-out-of-range" in _ids(found) and "must be 0 or 1" in found[0].message
    with pytest.raises(goodfit.ConfigError, match="task='images'"):
        goodfit.check(model=_mlp(6, 1), train_loader=train, task="images")


def test_regression_targets_in_sorted_order_are_found(table):
    x, _ = table
    y = torch.sort(x[:, 0]).values.view(-1, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    assert "sorted-labels" in _ids(goodfit.check(model=_mlp(6, 1), train_loader=loader, loss_fn=nn.MSELoss()))
