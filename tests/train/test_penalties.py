import torch
from torch import nn

from goodfit.train.penalties import l1_penalty, weight_tensors


def test_l1_is_sum_abs_over_weights_only():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    expected = model[0].weight.abs().sum() + model[3].weight.abs().sum()  # closed form: no biases, no BN
    assert torch.allclose(l1_penalty(model), expected)
    assert [id(w) for w in weight_tensors(model)] == [id(model[0].weight), id(model[3].weight)]


def test_l1_gradient_is_sign():
    model = nn.Linear(3, 2)
    l1_penalty(model).backward()
    assert torch.equal(model.weight.grad, torch.sign(model.weight.detach()))
    assert model.bias.grad is None
