"""Each lint finding: flagged on the faulty setup, silent on the corrected one."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from goodfit import Config, apply_overrides
from goodfit.checks import check, lint_config


def ids(findings):
    return {f.id for f in findings}


def data(n=200, d=8, classes=4, seed=0, sort=False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = torch.arange(n) % classes
    if sort:
        y = y.sort().values
    return x, y


def loader(x, y, shuffle=True, bs=20):
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=shuffle)


def mlp(d=8, classes=4, last=None):
    layers = [nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, classes)]
    return nn.Sequential(*layers, *([last] if last is not None else []))


class SoftmaxInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = mlp()

    def forward(self, x):
        return self.body(x).softmax(dim=1)


@pytest.mark.parametrize("model", [mlp(last=nn.Softmax(dim=1)), mlp(last=nn.LogSoftmax(dim=1)), SoftmaxInForward()])
def test_softmax_before_ce(model):
    assert "softmax-before-ce" in ids(check(model=model, train_loader=loader(*data()), loss_fn=nn.CrossEntropyLoss()))


def test_softmax_fine_with_logits_or_nll():
    assert "softmax-before-ce" not in ids(check(model=mlp(), train_loader=loader(*data())))
    assert "softmax-before-ce" not in ids(check(model=mlp(last=nn.LogSoftmax(dim=1)), train_loader=loader(*data()),
                                                loss_fn=nn.NLLLoss()))


def test_unshuffled_and_sorted():
    found = ids(check(model=mlp(), train_loader=loader(*data(sort=True), shuffle=False)))
    assert {"unshuffled-train-loader", "sorted-labels"} <= found
    found = ids(check(model=mlp(), train_loader=loader(*data(sort=True))))
    assert not {"unshuffled-train-loader", "sorted-labels"} & found


def test_test_set_as_validation():
    tr, te = loader(*data(seed=0)), loader(*data(seed=1), shuffle=False)
    assert "test-as-valid" in ids(check(model=mlp(), train_loader=tr, valid_loader=te, test_loader=te))
    copy = loader(*data(seed=1), shuffle=False)  # another loader over the same samples
    assert "test-as-valid" in ids(check(model=mlp(), train_loader=tr, valid_loader=copy, test_loader=te))
    va = loader(*data(seed=2), shuffle=False)
    assert "test-as-valid" not in ids(check(model=mlp(), train_loader=tr, valid_loader=va, test_loader=te))


def test_train_test_overlap():
    x, y = data()
    xt, yt = data(n=40, seed=5)
    xt[:3] = x[:3]
    found = check(model=mlp(), train_loader=loader(x, y), test_loader=loader(xt, yt))
    hit = [f for f in found if f.id == "train-test-overlap"]
    assert hit and "3 test samples" in hit[0].message
    other = loader(*data(40, seed=5))
    assert "train-test-overlap" not in ids(check(model=mlp(), train_loader=loader(x, y), test_loader=other))


def test_unscaled_inputs():
    x, y = data()
    raw = (x.abs() * 80).round().clamp(0, 255)  # like 0..255 pixels as floats
    assert "unscaled-inputs" in ids(check(model=mlp(), train_loader=loader(raw, y)))
    assert "unscaled-inputs" not in ids(check(model=mlp(), train_loader=loader(raw / 255, y)))


def test_scaling_fitted_on_all_data():
    x, y = data(seed=0)
    xt, yt = data(n=200, seed=1)
    xt = xt + 3.0  # the test set has a different mean
    both = torch.cat([x, xt])
    m, s = both.mean(), both.std()
    leaked = check(model=mlp(), train_loader=loader((x - m) / s, y), test_loader=loader((xt - m) / s, yt))
    assert "scaling-leak" in ids(leaked)
    m, s = x.mean(), x.std()
    right = check(model=mlp(), train_loader=loader((x - m) / s, y), test_loader=loader((xt - m) / s, yt))
    assert "scaling-leak" not in ids(right)


def test_labels_outputs_and_imbalance():
    x, y = data(classes=4)
    found = ids(check(model=mlp(classes=3), train_loader=loader(x, y)))
    assert {"labels-out-of-range", "wrong-output-units"} <= found
    found = ids(check(model=mlp(classes=4), train_loader=loader(x, y)))
    assert not {"labels-out-of-range", "wrong-output-units"} & found
    y_imb = torch.where(torch.arange(200) < 170, 0, torch.arange(200) % 4)
    imb = [f for f in check(model=mlp(), train_loader=loader(x, y_imb)) if f.id == "class-imbalance"]
    assert imb and "majority baseline" in imb[0].message
    assert "class-imbalance" not in ids(check(model=mlp(), train_loader=loader(x, y)))


def bad_eval(model, loader):  # course code: forgets model.eval() and no_grad
    return [model(x).argmax(1) for x, _ in loader]


def good_eval(model, loader):
    model.eval()
    with torch.no_grad():
        out = [model(x).argmax(1) for x, _ in loader]
    model.train()
    return out


def test_evaluation_mode_and_grad():
    model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 4))
    tr, va = loader(*data()), loader(*data(seed=3))
    assert {"eval-in-train-mode", "eval-with-grad"} <= ids(check(model=model, train_loader=tr, valid_loader=va,
                                                                  evaluate_fn=bad_eval))
    assert not {"eval-in-train-mode", "eval-with-grad"} & ids(check(model=model, train_loader=tr, valid_loader=va,
                                                                    evaluate_fn=good_eval))


def test_broken_l1():
    model, tr = mlp(), loader(*data())

    def course_l1(m):
        return torch.norm(m.parameters(), 1)  # raises: a generator is not a tensor

    def detached_l1(m):
        return sum(p.detach().abs().sum() for p in m.parameters()) * torch.ones((), requires_grad=True)

    def all_params_l1(m):
        return sum(p.abs().sum() for p in m.parameters())  # penalizes the biases too

    def right_l1(m):
        return sum(m[i].weight.abs().sum() for i in (0, 2))

    assert "broken-l1" in ids(check(model=model, train_loader=tr, penalty_fn=course_l1))
    assert "broken-l1" in ids(check(model=model, train_loader=tr, penalty_fn=detached_l1))
    soft = [f for f in check(model=model, train_loader=tr, penalty_fn=all_params_l1) if f.id == "broken-l1"]
    assert soft and soft[0].severity == "warning"
    assert "broken-l1" not in ids(check(model=model, train_loader=tr, penalty_fn=right_l1))


def test_hyperparameters():
    model = mlp()
    x, y = data(n=100)
    too_big = DataLoader(TensorDataset(x, y), batch_size=500, shuffle=True)
    found = ids(check(model=model, train_loader=too_big, optimizer=torch.optim.Adam(model.parameters(), lr=3.0),
                      valid_loader=loader(*data(n=12, seed=4))))
    assert {"extreme-lr", "batch-larger-than-data", "small-valid-split"} <= found
    fine = ids(check(model=model, train_loader=loader(x, y), optimizer=torch.optim.Adam(model.parameters(), lr=1e-3),
                     valid_loader=loader(*data(n=100, seed=4))))
    assert not {"extreme-lr", "batch-larger-than-data", "small-valid-split"} & fine
    assert "extreme-lr" in ids(check(model=model, train_loader=loader(x, y),
                                     optimizer=torch.optim.SGD(model.parameters(), lr=1e-7)))


def test_initial_loss():
    model = mlp()
    with torch.no_grad():
        model[2].weight.mul_(200)
    assert "initial-loss" in ids(check(model=model, train_loader=loader(*data())))
    assert "initial-loss" not in ids(check(model=mlp(), train_loader=loader(*data())))


def test_goodfit_pipeline_is_clean_and_bad_configs_are_caught():
    assert lint_config(Config()) == []
    found = ids(lint_config(apply_overrides(Config(), ["optim.lr=10", "train.batch_size=9000"])))
    assert {"extreme-lr", "batch-larger-than-data"} <= found


def test_test_set_reuse_in_a_run(tmp_path):
    from goodfit import evaluate_run, fit
    from goodfit.checks import lint_run

    cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=1", f"out_dir={tmp_path}",
                                     "train.monitors=false"])
    run = fit(cfg, progress="quiet", report=False).run_dir
    assert "test-reused" not in ids(lint_run(run))
    evaluate_run(run, split="test")
    assert "test-reused" in ids(lint_run(run))
