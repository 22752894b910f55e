"""LeanAdam / LeanAdamW against torch's fused Adam / AdamW: the same bits, step after step."""

import copy

import pytest
import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from goodfit.config import OptimConfig
from goodfit.train.lean_adam import LeanAdam, LeanAdamW
from goodfit.train.optim import build_optimizer


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def _groups(model: nn.Module, split: bool) -> list[dict] | list[nn.Parameter]:
    if not split:
        return list(model.parameters())
    return [{"params": model[0].parameters(), "lr": 0.05}, {"params": model[2].parameters()}]


def _train(model: nn.Module, opt: torch.optim.Optimizer, steps: int, *, sched: bool = False, seed: int = 1) -> None:
    gen = torch.Generator().manual_seed(seed)
    lr_sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if sched else None
    for _ in range(steps):
        x, y = torch.randn(16, 6, generator=gen), torch.randint(0, 3, (16,), generator=gen)
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if lr_sched is not None:
            lr_sched.step()


def _assert_same_parameters(model: nn.Module, *others: nn.Module) -> None:
    for other in others:
        for pa, pb in zip(model.parameters(), other.parameters(), strict=True):
            assert torch.equal(pa, pb)


@pytest.mark.parametrize(("lean_cls", "torch_cls", "kwargs", "split", "sched"), [
    (LeanAdam, torch.optim.Adam, {}, False, False),
    (LeanAdam, torch.optim.Adam, {"weight_decay": 0.1, "amsgrad": True}, True, True),
    (LeanAdam, torch.optim.Adam, {"maximize": True, "betas": (0.8, 0.9), "eps": 1e-6}, False, True),
    (LeanAdamW, torch.optim.AdamW, {"weight_decay": 0.1}, True, True),
])
def test_updates_are_bit_identical_to_torch_fused(lean_cls, torch_cls, kwargs, split, sched):
    a, b = _model(), _model()
    opt_a = lean_cls(_groups(a, split), lr=0.01, **kwargs)
    opt_b = torch_cls(_groups(b, split), lr=0.01, fused=True, **kwargs)
    _train(a, opt_a, 25, sched=sched)
    _train(b, opt_b, 25, sched=sched)
    _assert_same_parameters(a, b)
    assert str(opt_a.state_dict()) == str(opt_b.state_dict())


def test_the_lean_path_runs_after_the_first_step():
    model = _model()
    opt = LeanAdam(model.parameters(), lr=0.01)
    model(torch.ones(2, 6)).sum().backward()
    assert opt._plan() is None  # no state yet: torch's step initializes it
    opt.step()
    plan = opt._plan()
    assert plan is not None and len(plan[0][2][0]) == 4  # all four tensors in one kernel call


def test_a_parameter_without_gradient_is_left_alone():
    a, b = _model(), _model()
    for m in (a, b):
        m[0].weight.requires_grad_(False)
    opt_a = LeanAdam(a.parameters(), lr=0.01)
    opt_b = torch.optim.Adam(b.parameters(), lr=0.01, fused=True)
    _train(a, opt_a, 5)
    _train(b, opt_b, 5)
    assert torch.equal(a[0].weight, b[0].weight) and torch.equal(a[2].weight, b[2].weight)
    assert a[0].weight not in opt_a.state


def test_state_dict_moves_between_lean_and_torch():
    a = _model()
    opt_a = LeanAdam(a.parameters(), lr=0.01)
    _train(a, opt_a, 5)
    b = copy.deepcopy(a)
    opt_b = torch.optim.Adam(b.parameters(), lr=0.01, fused=True)
    opt_b.load_state_dict(copy.deepcopy(opt_a.state_dict()))  # as a checkpoint would: no shared tensors
    _train(a, opt_a, 5, seed=2)
    _train(b, opt_b, 5, seed=2)
    _assert_same_parameters(a, b)


def test_a_closure_and_step_hooks_still_work():
    torch.optim.Adam(_model().parameters())  # torch wraps Adam.step for hooks on first use: still one call each
    model = _model()
    opt = LeanAdam(model.parameters(), lr=0.01)
    calls = []
    opt.register_step_post_hook(lambda *_: calls.append(1))
    x = torch.ones(4, 6)

    def closure():
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        return loss

    assert float(opt.step(closure).detach()) > 0  # torch's step evaluates it
    opt.step(closure)
    opt.step()  # the lean path, with the last gradients
    assert len(calls) == 3 and int(opt.state[model[0].weight]["step"]) == 3


def test_build_optimizer_picks_lean_adam_on_cpu():
    params = list(_model().parameters())
    cpu = torch.device("cpu")
    assert type(build_optimizer(params, OptimConfig(name="adam"), device=cpu)) is LeanAdam
    assert type(build_optimizer(params, OptimConfig(name="adamw"), device=cpu)) is LeanAdamW
    assert type(build_optimizer(params, OptimConfig(name="adam"), device=torch.device("meta"))) is torch.optim.Adam


def test_step_counters_are_one_tensor_and_survive_a_checkpoint(tmp_path):
    a = _model()
    opt_a = LeanAdam(a.parameters(), lr=0.01)
    _train(a, opt_a, 3)
    steps = [opt_a.state[p]["step"] for p in a.parameters()]
    base = steps[0]._base
    assert base is not None and all(t._base is base for t in steps)  # one add_ counts them all
    torch.save({"model": a.state_dict(), "opt": opt_a.state_dict()}, tmp_path / "ckpt.pt")
    ckpt = torch.load(tmp_path / "ckpt.pt")
    b, c = _model(), _model()
    for m in (b, c):
        m.load_state_dict(ckpt["model"])
    opt_b = LeanAdam(b.parameters(), lr=0.01)
    opt_c = torch.optim.Adam(c.parameters(), lr=0.01, fused=True)
    opt_b.load_state_dict(ckpt["opt"])
    opt_c.load_state_dict(torch.load(tmp_path / "ckpt.pt")["opt"])
    for model, opt in ((a, opt_a), (b, opt_b), (c, opt_c)):
        _train(model, opt, 4, seed=3)
    _assert_same_parameters(a, b, c)
    assert [int(opt_b.state[p]["step"]) for p in b.parameters()] == [7] * 4


def test_a_parameter_whose_gradient_comes_and_goes():
    a, b = _model(), _model()
    opt_a = LeanAdam(a.parameters(), lr=0.01)
    opt_b = torch.optim.Adam(b.parameters(), lr=0.01, fused=True)
    gen = torch.Generator().manual_seed(4)
    for i in range(8):
        x, y = torch.randn(16, 6, generator=gen), torch.randint(0, 3, (16,), generator=gen)
        for model, opt in ((a, opt_a), (b, opt_b)):
            model[0].requires_grad_(i % 3 != 1)  # the first layer sits out every third step
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    _assert_same_parameters(a, b)
    assert str(opt_a.state_dict()) == str(opt_b.state_dict())


def test_zero_grad_sets_none_or_zeroes():
    model = _model()
    opt = LeanAdam(model.parameters(), lr=0.01)
    model(torch.ones(2, 6)).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_profiler_ranges_and_global_hooks_are_kept():
    model = _model()
    opt = LeanAdam(model.parameters(), lr=0.01)
    _train(model, opt, 2)
    calls = []
    handle = register_optimizer_step_pre_hook(lambda *_: calls.append(1))
    try:
        _train(model, opt, 2)
    finally:
        handle.remove()
    _train(model, opt, 1)
    assert calls == [1, 1]
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        _train(model, opt, 1)
    names = {e.key for e in prof.key_averages()}
    assert {"Optimizer.step#LeanAdam.step", "Optimizer.zero_grad#LeanAdam.zero_grad"} <= names
