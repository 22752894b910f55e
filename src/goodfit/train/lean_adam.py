"""Adam and AdamW with torch's fused kernel and a lean ``step()``.

``torch.optim.Adam(fused=True)`` updates all parameters in one kernel call, but around that call
its ``step()`` spends Python time per parameter and per call (lazy-state checks, sparse and complex
checks, grouping tensors by device and dtype, dynamo guards), and on the CPU its step counters are
bumped with 5 ops per tensor. For the course's MLP (8 tensors) that is 40-80 µs of a ~1.7 ms
training step, about as much as the kernel itself (``bench/RESULTS.md``).

:class:`LeanAdam` and :class:`LeanAdamW` are those torch classes with a shorter ``step()`` for the
common case — every parameter with a gradient already has its state, all on one device and dtype,
a float learning rate, no closure, no gradient scaler — which calls the same kernel
(``torch._fused_adam_`` / ``torch._fused_adamw_``) with the same arguments. Every other case, the
first step included, goes through torch's own ``step()``. State dicts, parameter groups, schedulers
and step hooks are torch's: a checkpoint saved with one loads into the other, and the updates are
bit-identical (``tests/train/test_lean_adam.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

__all__ = ["LeanAdam", "LeanAdamW"]

_KERNELS = {False: getattr(torch, "_fused_adam_", None), True: getattr(torch, "_fused_adamw_", None)}


@functools.cache
def _one(dtype: torch.dtype) -> torch.Tensor:
    """A 1 of the step counters' dtype (never written to): adding it costs no scalar conversion."""
    return torch.ones((), dtype=dtype)


class _LeanStep:
    """The shared ``step()``; mixed into a ``torch.optim.Adam`` subclass built with ``fused=True``."""

    param_groups: list[dict]
    state: dict

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        plan = None if closure is not None or getattr(self, "grad_scale", None) is not None else self._plan()
        if plan is None:
            return self._torch_step(closure)
        with torch.no_grad():
            for group, kernel, tensors in plan:
                params, grads, avgs, sqs, maxs, steps = tensors
                if steps[0].device.type == "cpu":  # there torch._foreach_add_(steps, 1) is 5 ops per tensor
                    one = _one(steps[0].dtype)
                    for t in steps:
                        t.add_(one)
                else:
                    torch._foreach_add_(steps, 1)
                beta1, beta2 = group["betas"]
                kernel(
                    params, grads, avgs, sqs, maxs, steps, amsgrad=group["amsgrad"], lr=group["lr"],
                    beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"], eps=group["eps"],
                    maximize=group["maximize"],
                )
        return None

    def _decoupled(self, group: dict) -> bool:
        """AdamW's weight decay? (A group key since torch 2.6; before, AdamW was its own class.)"""
        return bool(group.get("decoupled_weight_decay", isinstance(self, torch.optim.AdamW)))

    def _torch_step(self, closure: Callable[[], float] | None) -> float | None:
        """torch's own step, without its hook wrapper: this class's step is wrapped already, and
        the hooks must run once per step."""
        func = super().step.__func__  # type: ignore[misc]
        if getattr(func, "hooked", False):  # Optimizer._patch_step_function wrapped it (functools.wraps)
            func = func.__wrapped__
        return func(self, closure)

    def _plan(self) -> list[tuple[dict, Callable, tuple[list[torch.Tensor], ...]]] | None:
        """Per group its kernel and the kernel's tensor lists, or None when torch's own step must run."""
        plan = []
        kind = None
        for group in self.param_groups:
            kernel = _KERNELS[self._decoupled(group)]
            if not group["fused"] or torch.is_tensor(group["lr"]) or kernel is None:
                return None
            params, grads, avgs, sqs, maxs, steps = tensors = ([], [], [], [], [], [])
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                state = self.state.get(p)
                if not state or g.is_sparse:  # lazy state initialization: torch's step does it
                    return None
                if kind != (p.device, p.dtype):
                    if kind is not None:
                        return None  # several devices or dtypes: torch groups them
                    kind = (p.device, p.dtype)
                params.append(p)
                grads.append(g)
                avgs.append(state["exp_avg"])
                sqs.append(state["exp_avg_sq"])
                steps.append(state["step"])
                if group["amsgrad"]:
                    maxs.append(state["max_exp_avg_sq"])
            if params:
                plan.append((group, kernel, tensors))
        return plan


class LeanAdam(_LeanStep, torch.optim.Adam):
    """``torch.optim.Adam(..., fused=True)`` with a lean step (see the module docstring).

    Example:
        >>> model = torch.nn.Linear(3, 1)
        >>> opt = LeanAdam(model.parameters(), lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     model(torch.ones(4, 3)).pow(2).mean().backward()
        ...     opt.step()
        >>> int(opt.state[model.weight]["step"])
        2
    """

    def __init__(self, params, lr: float = 1e-3, **kwargs) -> None:
        super().__init__(params, lr=lr, fused=True, **kwargs)


class LeanAdamW(_LeanStep, torch.optim.AdamW):
    """``torch.optim.AdamW(..., fused=True)`` with a lean step (see the module docstring)."""

    def __init__(self, params, lr: float = 1e-3, **kwargs) -> None:
        super().__init__(params, lr=lr, fused=True, **kwargs)
