"""``goodfit lr-find`` and ``optim.lr=find``: the learning-rate range test on a config's own model,
data, loss and optimizer (:mod:`goodfit.train.lr_find`), with its curve as a figure.

Examples:
    >>> from goodfit import Config, apply_overrides
    >>> found = find_lr(apply_overrides(Config(), ["data.name=digits", "model.hidden=32"]), steps=60)
    >>> found.rule, 1e-5 < found.suggestion < 10
    ('steepest', True)
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from goodfit.config import Config
from goodfit.data import prepare_data
from goodfit.errors import ConfigError
from goodfit.experiment.batches import make_batches
from goodfit.models import create_model
from goodfit.report.plots import lr_find_plot
from goodfit.run import atomic_write_bytes, atomic_write_json
from goodfit.train.device import place_model, resolve_device, resolve_dtype, seed_everything
from goodfit.train.lr_find import LRFind, lr_range_test
from goodfit.train.optim import build_optimizer

__all__ = ["find_lr", "resolve_lr", "save_lr_find"]


def find_lr(config: Config, *, steps: int = 200, start: float = 1e-7, end: float = 10.0, data=None) -> LRFind:
    """Run the range test for ``config`` (``optim.lr`` is ignored: the test sweeps it); the model,
    data and random streams of a run started afterwards are not touched. ``data``: already prepared."""
    device, dtype = resolve_device(config.train.device), resolve_dtype(config.train.dtype)
    seed_everything(config.seed)
    data = data if data is not None else prepare_data(config.data, optim=config.optim)
    model = place_model(create_model(config.model, input_shape=data.input_shape, output_shape=data.output_shape),
                        device, dtype)
    batches = make_batches(config, data, device, dtype)

    def make_optimizer(params, lr: float):
        return build_optimizer(params, dataclasses.replace(config.optim, lr=lr), device=device)

    return lr_range_test(model, batches, data.task.loss_fn, make_optimizer, start=start, end=end, steps=steps)


def resolve_lr(config: Config, data, *, progress: str = "auto") -> tuple[Config, LRFind | None]:
    """``config`` with ``optim.lr=find`` replaced by the range test's suggestion (and the test), or as
    it is. The global random streams are re-seeded afterwards, so the run that follows is the run
    that ``optim.lr=<suggestion>`` would give."""
    if config.optim.lr != "find":
        return config, None
    if config.train.nproc > 1:
        raise ConfigError("optim.lr=find runs in one process; run goodfit lr-find first and pass its optim.lr")
    found = find_lr(config, data=data)
    seed_everything(config.seed)
    if progress != "quiet":
        print(f"lr-find: optim.lr={found.suggestion:.3g} ({found.rule} rule, {len(found.lrs)} steps)", file=sys.stderr)
    optim = dataclasses.replace(config.optim, lr=float(f"{found.suggestion:.3g}"))
    return dataclasses.replace(config, optim=optim), found


def save_lr_find(folder: Path, found: LRFind) -> None:
    """``lr_find.json`` and ``plots/lr_find.png`` in ``folder`` (a run folder, or lr-find's own)."""
    atomic_write_json(folder / "lr_find.json", found.to_dict())
    atomic_write_bytes(folder / "plots" / "lr_find.png", lr_find_plot(found.to_dict()))
