"""``goodfit watch``: the checks on a PyTorch training script goodfit did not write.

    goodfit watch train.py --epochs 3          # the CLI
    python -m goodfit.watch train.py --epochs 3

or, in a notebook or a script of your own::

    import goodfit
    with goodfit.watch() as watcher:
        train(model, train_loader, test_loader)  # your code, unchanged
    watcher.findings

The observer (:mod:`goodfit.watch.observer`) sees the model, the loss, the optimizer and the
DataLoaders the code really uses, through torch's public hooks; :mod:`goodfit.watch.judge` applies the
lint's rules as the training goes and prints each finding when it is found. What the code computes
does not change.

Examples:
    >>> import torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> x, y = torch.randn(64, 4), torch.arange(64) % 2
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Softmax(dim=1))
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> with watch(echo=None) as w:
    ...     for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16):
    ...         loss = torch.nn.functional.cross_entropy(model(xb), yb)
    ...         opt.zero_grad(); loss.backward(); opt.step()
    >>> sorted({f.id for f in w.findings})
    ['softmax-before-ce', 'unshuffled-train-loader']
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable

from goodfit.findings import Finding
from goodfit.watch.observer import Observer
from goodfit.watch.script import WatchResult, run_script

__all__ = ["Observer", "WatchResult", "run_script", "watch"]


def watch(*, steps: int = 50, echo: Callable[[Finding], None] | None | bool = True) -> Observer:
    """An :class:`Observer` to use as a context manager around training code. ``echo``: print each
    finding to stderr as it is found (default), ``None`` / ``False`` to stay quiet, or a function."""
    if echo is True:
        return Observer(steps=steps)
    return Observer(steps=steps, echo=echo if callable(echo) else (lambda f: None))


class _CallableModule(types.ModuleType):
    """Importing any module of this package (``goodfit.watch.observer``) makes Python bind the package
    itself to ``goodfit.watch``, over the lazily exported :func:`watch`: calling the package calls it."""

    def __call__(self, *, steps: int = 50, echo: Callable[[Finding], None] | None | bool = True) -> Observer:
        return watch(steps=steps, echo=echo)


sys.modules[__name__].__class__ = _CallableModule
