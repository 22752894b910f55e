"""The lint's checks on models, optimizers, data and the probe pass: each flags its faulty set-up and
stays silent on the corrected twin; the lint never changes the model or the random streams."""

import random
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from goodfit.checks import check


def ids(findings):
    return {f.id for f in findings}


def data(n=200, d=8, classes=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.arange(n) % classes


def loader(x, y, shuffle=True, bs=20, drop_last=False):
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=shuffle, drop_last=drop_last)


def mlp(d=8, classes=4, *extra):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, classes), *extra)


# --------------------------------------------------------------------------- model, loss, optimizer


def test_activation_before_a_logits_loss():
    assert "activation-before-logits" in ids(check(model=mlp(8, 4, nn.ReLU()), train_loader=loader(*data()),
                                                   loss_fn=nn.CrossEntropyLoss()))
    assert "activation-before-logits" not in ids(check(model=mlp(), train_loader=loader(*data()),
                                                       loss_fn=nn.CrossEntropyLoss()))


def test_a_model_that_fails_on_the_data_is_named_not_a_crash():
    x, y = data()
    found = check(model=nn.Sequential(nn.Linear(5, 4)), train_loader=loader(x, y))
    hit = next(f for f in found if f.id == "forward-error")
    assert "shape (200, 8)" in hit.message and "RuntimeError" in hit.message
    assert "forward-error" not in ids(check(model=mlp(), train_loader=loader(x, y)))


def test_model_left_in_eval_mode_and_every_parameter_frozen():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4)).eval()
    assert "model-in-eval-mode" in ids(check(model=model, train_loader=loader(*data())))
    assert "model-in-eval-mode" not in ids(check(model=model.train(), train_loader=loader(*data())))
    frozen = mlp()
    for p in frozen.parameters():
        p.requires_grad_(False)
    assert "all-parameters-frozen" in ids(check(model=frozen, train_loader=loader(*data())))
    assert "all-parameters-frozen" not in ids(check(model=mlp(), train_loader=loader(*data())))


def test_optimizer_over_other_or_missing_parameters():
    model = mlp()
    other = torch.optim.Adam(mlp().parameters(), lr=1e-3)  # built for another instance
    found = check(model=model, train_loader=loader(*data()), optimizer=other)
    assert [f.severity for f in found if f.id == "optimizer-params-mismatch"] == ["error", "error"]
    partial = torch.optim.Adam(model[2].parameters(), lr=1e-3)  # the first layer left out
    found = [f for f in check(model=model, train_loader=loader(*data()), optimizer=partial)
             if f.id == "optimizer-params-mismatch"]
    assert len(found) == 1 and found[0].severity == "warning" and "0.weight, 0.bias" in found[0].message
    assert "optimizer-params-mismatch" not in ids(check(model=model, train_loader=loader(*data()),
                                                        optimizer=torch.optim.Adam(model.parameters(), lr=1e-3)))


@pytest.mark.parametrize(("cls", "lr", "flagged"), [
    (torch.optim.RMSprop, 1.0, True), (torch.optim.Adagrad, 1e-6, True), (torch.optim.Adadelta, 1e-4, True),
    (torch.optim.NAdam, 1e-3, False), (torch.optim.Adadelta, 1.0, False), (torch.optim.SGD, 0.1, False),
])
def test_learning_rate_ranges_of_every_torch_optimizer(cls, lr, flagged):
    model = mlp()
    found = ids(check(model=model, train_loader=loader(*data()), optimizer=cls(model.parameters(), lr=lr)))
    assert ("extreme-lr" in found) == flagged


def test_weight_decay_coupled_vs_decoupled():
    model = mlp()
    assert "extreme-weight-decay" in ids(check(model=model, train_loader=loader(*data()),
                                               optimizer=torch.optim.Adam(model.parameters(), weight_decay=0.1)))
    assert "extreme-weight-decay" not in ids(check(model=model, train_loader=loader(*data()),
                                                   optimizer=torch.optim.AdamW(model.parameters(), weight_decay=0.1)))


def test_batch_norm_with_a_batch_of_one():
    bn = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))
    x, y = data(n=201)  # 201 = 10 * 20 + 1: a last batch of one sample
    assert "batchnorm-batch-of-one" in ids(check(model=bn, train_loader=loader(x, y)))
    assert "batchnorm-batch-of-one" in ids(check(model=bn, train_loader=loader(x, y, bs=1)))
    assert "batchnorm-batch-of-one" not in ids(check(model=bn, train_loader=loader(x, y, drop_last=True)))
    assert "batchnorm-batch-of-one" not in ids(check(model=mlp(), train_loader=loader(x, y)))


# --------------------------------------------------------------------------- data and protocol


def test_a_group_in_train_and_test_or_validation():
    x, y = data()
    xt, yt = data(60, seed=2)
    speakers = np.array(["ann", "bob", "cid", "dan"] * 50)
    split = {"train": speakers, "test": np.array(["eve", "fay"] * 30)}
    common = dict(model=mlp(), train_loader=loader(x, y), test_loader=loader(xt, yt, False))
    assert "group-overlap" not in ids(check(**common, groups=split))
    assert "group-overlap" not in ids(check(**common))  # no groups given: nothing to judge
    leaky = check(**common, groups={**split, "valid": np.array(["bob", "zed"]), "test": np.array(["dan"] * 60)})
    found = [f for f in leaky if f.id == "group-overlap"]
    assert {f.where for f in found} == {"valid", "test"} and "bob" in found[0].message + found[1].message


def test_overlaps_between_every_pair_of_splits():
    x, y = data()
    xv, yv = data(60, seed=1)
    xt, yt = data(60, seed=2)
    clean = ids(check(model=mlp(), train_loader=loader(x, y), valid_loader=loader(xv, yv, False),
                      test_loader=loader(xt, yt, False)))
    assert not {"train-valid-overlap", "valid-test-overlap", "train-test-overlap", "test-as-valid"} & clean
    xv2 = xv.clone()
    xv2[:5] = x[:5]
    xv2[5:8] = xt[:3]
    found = check(model=mlp(), train_loader=loader(x, y), valid_loader=loader(xv2, yv, False),
                  test_loader=loader(xt, yt, False))
    assert {"train-valid-overlap", "valid-test-overlap"} <= ids(found) and "test-as-valid" not in ids(found)
    assert "5 validation samples" in next(f.message for f in found if f.id == "train-valid-overlap")


def test_nonfinite_and_constant_inputs_get_their_own_names():
    x, y = data()
    x_nan = x.clone()
    x_nan[3, 2] = float("nan")
    found = ids(check(model=mlp(), train_loader=loader(x_nan, y)))
    assert "nonfinite-inputs" in found
    zeros = torch.zeros_like(x)
    found = ids(check(model=mlp(), train_loader=loader(zeros, y), valid_loader=loader(zeros[:50], y[:50], False),
                      test_loader=loader(zeros[:50], y[:50], False)))
    assert "constant-inputs" in found and not {"test-as-valid", "train-test-overlap", "train-valid-overlap"} & found
    assert not {"nonfinite-inputs", "constant-inputs"} & ids(check(model=mlp(), train_loader=loader(x, y)))


class Jittered(Dataset):  # a validation set with a random transform, as RandomCrop would give it
    def __init__(self, x, y, random_transform):
        self.x, self.y, self.random = x, y, random_transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.x[i] + 0.1 * torch.randn_like(self.x[i]) if self.random else self.x[i]), self.y[i]


def test_random_transform_on_validation_data():
    x, y = data()
    found = ids(check(model=mlp(), train_loader=loader(x, y), valid_loader=DataLoader(Jittered(x[:40], y[:40], True))))
    assert "random-eval-transform" in found
    found = ids(check(model=mlp(), train_loader=loader(x, y), valid_loader=DataLoader(Jittered(x[:40], y[:40], False))))
    assert "random-eval-transform" not in found


def test_per_feature_standardization_with_rare_large_values_is_scaled():
    """MNIST standardized per pixel on train: a few border pixels reach z-scores in the hundreds."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2000, 50, generator=g)
    x[0, :3] = 300.0  # three rare values far out (0.003 % of all)
    assert "unscaled-inputs" not in ids(check(model=mlp(50), train_loader=loader(x, torch.arange(2000) % 4)))
    assert "unscaled-inputs" in ids(check(model=mlp(50), train_loader=loader(x * 100, torch.arange(2000) % 4)))


# --------------------------------------------------------------------------- the probe pass


class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.spare = mlp(), nn.Linear(8, 4)

    def forward(self, x):
        return self.body(x)


class Times(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def test_unused_and_zero_gradient_parameters():
    assert "unused-parameters" in ids(check(model=Unused(), train_loader=loader(*data())))
    zeroed = nn.Sequential(nn.Linear(8, 16), Times(0.0), nn.ReLU(), nn.Linear(16, 4))
    found = check(model=zeroed, train_loader=loader(*data()))
    # the first layer's gradient is cut by the zero factor; the last layer's weight sees only zeros
    assert {f.where for f in found if f.id == "zero-gradient"} == {"0.weight", "0.bias", "3.weight"}
    assert not {"unused-parameters", "zero-gradient"} & ids(check(model=mlp(), train_loader=loader(*data())))


def test_dead_saturated_exploding_vanishing_and_nonfinite_at_initialization():
    dead = mlp()
    with torch.no_grad():
        dead[0].bias.fill_(-100.0)
    assert "dead-relu" in ids(check(model=dead, train_loader=loader(*data())))
    saturated = nn.Sequential(nn.Linear(8, 16), Times(100.0), nn.Tanh(), nn.Linear(16, 4))
    assert "saturated-activation" in ids(check(model=saturated, train_loader=loader(*data())))
    exploding = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), Times(1e6))
    assert "exploding-gradient" in ids(check(model=exploding, train_loader=loader(*data())))
    vanishing = nn.Sequential(nn.Linear(8, 16), Times(1e-9), nn.ReLU(), nn.Linear(16, 4))
    assert "vanishing-gradient" in ids(check(model=vanishing, train_loader=loader(*data())))

    class LogLayer(nn.Module):
        def forward(self, x):
            return torch.log(x)

    broken = nn.Sequential(nn.Linear(8, 16), LogLayer(), nn.Linear(16, 4))
    assert "nonfinite-activation" in ids(check(model=broken, train_loader=loader(*data())))
    healthy = ids(check(model=mlp(), train_loader=loader(*data())))
    assert not {"dead-relu", "saturated-activation", "exploding-gradient", "vanishing-gradient",
                "nonfinite-activation"} & healthy


def test_the_lint_changes_neither_the_model_nor_the_random_streams():
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    check(model=model, train_loader=loader(*data()), valid_loader=DataLoader(Jittered(*data(40, seed=3), True)),
          loss_fn=nn.CrossEntropyLoss(), evaluate_fn=lambda m, dl: [m(xb) for xb, _ in dl])
    after_draws = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    expected = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(after_draws[0], expected[0]) and np.array_equal(after_draws[1], expected[1])
    assert after_draws[2] == expected[2]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()) and model.training


def test_batches_that_are_dicts_or_unusual_do_not_crash():
    x, y = data()

    class Dicts(Dataset):
        def __len__(self):
            return len(y)

        def __getitem__(self, i):
            return {"image": x[i], "label": y[i], "name": f"sample {i}"}

    assert "unshuffled-train-loader" in ids(check(model=mlp(), train_loader=DataLoader(Dicts(), batch_size=20)))
    strings = DataLoader([("a", "b")] * 4, batch_size=2)
    assert isinstance(check(model=mlp(), train_loader=strings), list)


# --------------------------------------------------------------------------- targets against the loss


def test_a_regression_output_that_the_loss_would_broadcast():
    x = torch.randn(200, 8, generator=torch.Generator().manual_seed(0))
    y = x.sum(1)  # (N,)
    model = mlp(8, 1)  # outputs (N, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the finding says it: torch's broadcasting warning stays quiet
        found = check(model=model, train_loader=loader(x, y), loss_fn=nn.MSELoss())
    shape = [f for f in found if f.id == "wrong-output-units"]
    assert len(shape) == 1 and shape[0].severity == "warning" and "(200, 200)" in shape[0].message
    assert "unless the training loop reshapes" in shape[0].message
    assert "wrong-output-units" not in ids(check(model=model, train_loader=loader(x, y[:, None]),
                                                 loss_fn=nn.MSELoss()))


def test_float_class_indices_to_a_regression_loss():
    x, y = data(classes=10)
    found = check(model=mlp(8, 1), train_loader=loader(x, y.float()[:, None]), loss_fn=nn.MSELoss())
    assert [f.severity for f in found if f.id == "targets-loss-mismatch"] == ["warning"]
    grades = (3 + torch.arange(200) % 6).float()[:, None]  # wine-quality style 3..8: a real regression
    assert "targets-loss-mismatch" not in ids(check(model=mlp(8, 1), train_loader=loader(x, grades),
                                                    loss_fn=nn.MSELoss()))


def test_a_classification_task_with_a_regression_loss_names_the_loss():
    x, y = data()
    found = check(model=mlp(), train_loader=loader(x, y.float()), loss_fn=nn.MSELoss(), task="classification")
    mismatch = [f for f in found if f.id == "targets-loss-mismatch"]
    assert len(mismatch) == 1 and "MSELoss" in mismatch[0].message and "cross-entropy" not in mismatch[0].message


@pytest.mark.parametrize(("lr", "batch_size", "flagged"), [(1.5, 1024, False), (1.5, 128, True), (5.0, 1024, True)])
def test_sgd_learning_rate_bound_grows_with_the_batch(lr, batch_size, flagged):
    """The linear scaling rule: lr 1.5 at batches of 1,024 (airbench94, the cifar10 recipe) is not extreme,
    the same lr at 128 is, and 5 is at any batch size."""
    model = mlp()
    x, y = data(n=2048)
    found = ids(check(model=model, train_loader=loader(x, y, bs=batch_size),
                      optimizer=torch.optim.SGD(model.parameters(), lr=lr)))
    assert ("extreme-lr" in found) == flagged
