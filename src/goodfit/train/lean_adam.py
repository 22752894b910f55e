"""Adam and AdamW with torch's fused kernel and a lean ``step()`` and ``zero_grad()``.

``torch.optim.Adam(fused=True)`` updates all parameters in one kernel call, but around that call
its ``step()`` spends Python time per parameter and per call (lazy-state checks, sparse and complex
checks, grouping tensors by device and dtype, dynamo guards, a profiler range even when no
profiler runs), and on the CPU its step counters are bumped with 5 ops per tensor. For the
course's MLP (8 tensors) that is ~100 µs of a ~1.7 ms training step, more than the kernel itself
(``bench/RESULTS.md``).

:class:`LeanAdam` and :class:`LeanAdamW` are those torch classes with a shorter ``step()`` for the
common case — every parameter with a gradient already has its state, all on one device and dtype,
a float learning rate, no closure, no gradient scaler — which calls the same kernel
(``torch._fused_adam_`` / ``torch._fused_adamw_``) with the same arguments. Every other case, the
first step included, goes through torch's own ``step()``. On the CPU the step counters of a group
are made views of one tensor, so that one ``add_`` counts a step for all of them. Step hooks and
profiler ranges are torch's, taken only when a hook is registered or a profiler runs.
State dicts, parameter groups and schedulers are torch's: a checkpoint saved with one loads into
the other, and the updates are bit-identical (``tests/train/test_lean_adam.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch.optim import optimizer as _torch_optimizer

__all__ = ["LeanAdam", "LeanAdamW"]

_KERNELS = {False: getattr(torch, "_fused_adam_", None), True: getattr(torch, "_fused_adamw_", None)}


@functools.cache
def _one(dtype: torch.dtype) -> torch.Tensor:
    """A 1 of the step counters' dtype (never written to): adding it costs no scalar conversion."""
    return torch.ones((), dtype=dtype)


def _profiling() -> bool:
    return torch.autograd.profiler._is_profiler_enabled


def _hooks_registered(opt: torch.optim.Optimizer) -> bool:
    return bool(opt._optimizer_step_pre_hooks or opt._optimizer_step_post_hooks
                or _torch_optimizer._global_optimizer_pre_hooks or _torch_optimizer._global_optimizer_post_hooks)


class _LeanStep:
    """The shared ``step()``; mixed into a ``torch.optim.Adam`` subclass built with ``fused=True``."""

    param_groups: list[dict]
    state: dict

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        if _profiling() or _hooks_registered(self):  # torch's wrapper: a profiler range, the step hooks
            return _hooked_step(self, closure)
        return self._step(closure)

    # torch's Optimizer._patch_step_function wraps an unmarked step in that wrapper for every call,
    # which costs a profiler range (~15 µs) even when no profiler runs; step() takes it when needed
    step.hooked = True  # type: ignore[attr-defined]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """torch's ``zero_grad``; with ``set_to_none`` (the default) and no profiler, without its
        profiler range and per-call bookkeeping: ~1 µs instead of ~15."""
        if not set_to_none or _profiling():
            super().zero_grad(set_to_none)  # type: ignore[misc]
            return
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def _step(self, closure: Callable[[], float] | None) -> float | None:
        plan = None if closure is not None or getattr(self, "grad_scale", None) is not None else self._plan()
        if plan is None:
            return self._torch_step(closure)
        with torch.no_grad():
            for group, kernel, tensors, counter in plan:
                params, grads, avgs, sqs, maxs, steps = tensors
                if counter is not None:  # the steps are views of it: one op counts them all
                    counter.add_(_one(counter.dtype))
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
        """torch's own step, without torch's hook wrapper: :meth:`step` has taken that wrapper
        already when hooks or a profiler need it, and the hooks must run once per step."""
        func = super().step.__func__  # type: ignore[misc]
        if getattr(func, "hooked", False):  # Optimizer._patch_step_function wrapped it (functools.wraps)
            func = func.__wrapped__
        return func(self, closure)

    def _plan(self) -> list[tuple[dict, Callable, tuple[list[torch.Tensor], ...], torch.Tensor | None]] | None:
        """Per group its kernel, the kernel's tensor lists and the CPU step counter (see
        :meth:`_counter`), or None when torch's own step must run."""
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
                counter = self._counter(params, steps) if steps[0].device.type == "cpu" else None
                plan.append((group, kernel, tensors, counter))
        return plan

    def _counter(self, params: list[torch.Tensor], steps: list[torch.Tensor]) -> torch.Tensor:
        """One tensor whose elements are ``steps``, in order, so that one ``add_`` counts a step
        for all of them (on the CPU ``torch._foreach_add_(steps, 1)`` is 5 ops per tensor). After
        torch's first step, a ``load_state_dict`` or a change of which parameters have gradients,
        the counters are copied into a new one and ``state[p]["step"]`` becomes a view of it."""
        base = steps[0]._base
        if (base is not None and base.dim() == 1 and len(base) == len(steps)
                and all(t._base is base and t.storage_offset() == i for i, t in enumerate(steps))):
            return base
        base = torch.stack([t.detach() for t in steps])
        steps[:] = base.unbind()
        for p, t in zip(params, steps, strict=True):
            self.state[p]["step"] = t
        return base


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


# torch's wrapper around the lean step: a profiler range and the step pre- and post-hooks
_hooked_step = torch.optim.Optimizer.profile_hook_step(_LeanStep._step)
