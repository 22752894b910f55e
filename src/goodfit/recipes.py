"""Recipes: named, tested sets of config overrides for a known job (``goodfit train --recipe cifar10``).

A recipe is where goodfit's defaults end and what is known to work for one data set begins: the
model, the augmentation, the optimizer and its schedule, the epochs. It is applied first, so a
config file and ``key=value`` overrides still win (``--recipe cifar10 train.epochs=4``). Each recipe
names the figure it was measured to reach and the command that measured it (bench/RESULTS.md).

Examples:
    >>> from goodfit.config import Config, apply_overrides
    >>> cfg = apply_overrides(Config(), RECIPES.create("cifar10"))
    >>> cfg.model.name, cfg.data.augment, cfg.train.tta
    ('fastnet', 'crop-flip', 'flip')
"""

from __future__ import annotations

from collections.abc import Callable

from goodfit.registry import Registry

__all__ = ["RECIPES", "recipe_overrides"]

RECIPES: Registry[tuple[str, ...]] = Registry("recipe")

# The fast CIFAR recipe, after airbench (Jordan, 2024): its network (fastnet), random crops with
# reflect padding and mirror flips, label smoothing 0.2, SGD with Nesterov momentum on a one-cycle
# schedule, large batches, mirror-image test-time augmentation; bfloat16 autocast, which more than
# halves a CPU step here (bench/RESULTS.md). Learning rate and weight decay: bench/cifar.py.
_CIFAR = (
    "model.name=fastnet", "data.augment=crop-flip", "data.scaling=standardize",
    "optim.name=sgd", "optim.nesterov=true", "optim.momentum=0.85", "optim.lr=0.4", "optim.weight_decay=1e-3",
    "optim.schedule=onecycle", "optim.label_smoothing=0.2",
    "train.batch_size=512", "train.epochs=10", "train.tta=flip", "train.amp=true",
)


def _preset(*overrides: str) -> Callable[[], tuple[str, ...]]:
    return lambda: overrides


RECIPES.add("cifar10", _preset("name=cifar10", "data.name=cifar10", *_CIFAR),
            "fast CIFAR-10: fastnet, crop+flip, label smoothing, SGD-Nesterov one-cycle, flip TTA (10 epochs)")
RECIPES.add("cifar100", _preset("name=cifar100", "data.name=cifar100", *_CIFAR, "train.epochs=15"),
            "the cifar10 recipe for CIFAR-100's 100 classes (15 epochs)")


def recipe_overrides(name: str | None) -> tuple[str, ...]:
    """The overrides of recipe ``name`` (none for ``None``); an unknown name is a one-line error."""
    return () if not name else RECIPES.create(name)
