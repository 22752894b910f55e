"""Lookahead (Zhang et al., 2019) as airbench94 schedules it (``optim.lookahead``).

A slow copy of the weights (and of batch norm's running statistics) trails the trained ones: every
``every`` steps, and after the last step of each epoch, the slow copy moves the fraction ``1 - decay``
of the way toward the current weights, and the current weights are set to it. ``decay`` grows with the
cube of training progress, from 0 (the slow copy simply follows) to ``final_decay`` at the last step
(0.95⁵: an average over the last few dozen steps), so early training runs at full speed and the end
averages out the noise of large learning rates. Since the weights are synced after each epoch's last
step, validation, checkpoints and the result all see the slow weights.

Examples:
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Linear(1, 1, bias=False)
    >>> state = TrainState(model, torch.optim.SGD(model.parameters(), lr=0.1), None, epochs=1, steps_per_epoch=10)
    >>> look = Lookahead(every=5)
    >>> look.on_fit_start(state)                 # the slow copy: the weight as it starts, w0
    >>> w0 = model.weight.item()
    >>> with torch.no_grad():
    ...     _ = model.weight.add_(1.0)           # training moved it by 1
    >>> state.step = 5                           # halfway: decay = 0.95**5 * 0.5**3
    >>> look.on_batch_end(state, torch.tensor(0.0))
    >>> round(model.weight.item() - w0, 6) == round(1 - 0.95**5 * 0.5**3, 6)
    True
"""

from __future__ import annotations

from typing import Any

import torch

from goodfit.train.callbacks.base import Callback, TrainState
from goodfit.train.distributed import unwrap

__all__ = ["Lookahead", "LOOKAHEAD_EVERY", "LOOKAHEAD_FINAL_DECAY"]

LOOKAHEAD_EVERY = 5
LOOKAHEAD_FINAL_DECAY = 0.95**5


class Lookahead(Callback):
    """Sync the weights with a slow copy every ``every`` steps and at each epoch's end (see the module)."""

    def __init__(self, every: int = LOOKAHEAD_EVERY, final_decay: float = LOOKAHEAD_FINAL_DECAY) -> None:
        self.every, self.final_decay = every, final_decay
        self.slow: dict[str, torch.Tensor] | None = None

    def on_fit_start(self, state: TrainState) -> None:
        if self.slow is None:  # a resumed run brought its slow copy back in load_state_dict
            self.slow = {k: v.detach().clone() for k, v in _floats(state)}

    def on_batch_end(self, state: TrainState, loss: torch.Tensor) -> None:
        if state.step % self.every and state.step % state.steps_per_epoch:
            return
        progress = min(state.step / max(state.epochs * state.steps_per_epoch, 1), 1.0)
        weight = 1.0 - self.final_decay * progress**3  # how far the slow copy moves toward the weights
        with torch.no_grad():
            for key, value in _floats(state):
                slow = self.slow[key]
                slow.lerp_(value, weight)
                value.copy_(slow)

    def state_dict(self) -> dict[str, Any]:
        return {"slow": self.slow}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.slow = state["slow"]


def _floats(state: TrainState):
    """The model's floating-point weights and buffers (not counters such as ``num_batches_tracked``)."""
    return [(k, v) for k, v in unwrap(state.model).state_dict().items() if v.is_floating_point()]
