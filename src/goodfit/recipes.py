"""Recipes: named, tested sets of config overrides for a known job (``goodfit train --recipe cifar10``).

A recipe is where goodfit's defaults end and what is known to work for one data set begins: the
model, the augmentation, the optimizer and its schedule, the epochs. It is applied first, so a
config file and ``key=value`` overrides still win (``--recipe cifar10 train.epochs=4``). Each recipe
names the figure it was measured to reach and the command that measured it (bench/RESULTS.md).

Examples:
    >>> from goodfit.config import Config, apply_overrides
    >>> cfg = apply_overrides(Config(), RECIPES.create("cifar10"))
    >>> cfg.model.name, cfg.data.augment, cfg.train.tta
    ('fastnet', 'crop-flip', 'flip-translate')
"""

from __future__ import annotations

from collections.abc import Callable

from goodfit.registry import Registry

__all__ = ["RECIPES", "recipe_overrides"]

RECIPES: Registry[tuple[str, ...]] = Registry("recipe")

# The fast CIFAR recipe: airbench94 (Jordan, 2024) in goodfit's terms. Its network (fastnet) with the
# whitening stem fitted on training images, identity-initialised convolutions and batch norm with fixed
# scales (momentum 0.4); random crops of the image reflect-padded by 2 pixels and mirror flips; label
# smoothing 0.2; SGD with Nesterov momentum 0.85 on the triangle schedule, batches of 1,024, the norm
# layers' learning rate x64; lookahead; mirror + translate test-time views; bfloat16 autocast. airbench's
# learning rate and weight decay (11.5 and 0.0153 per 1,024 samples, summed loss, "decoupled") are lr 1.5
# and weight_decay 1.33e-3 for goodfit's mean loss. Measured: bench/cifar.py, bench/RESULTS.md.
_CIFAR = (
    "model.name=fastnet", "model.whiten=true", "model.init=dirac", "model.bn_fixed_scale=true", "model.bn_momentum=0.4",
    "data.augment=crop-flip", "data.crop_pad=2", "data.scaling=standardize",
    "optim.name=sgd", "optim.nesterov=true", "optim.momentum=0.85", "optim.lr=1.5", "optim.weight_decay=1.33e-3",
    "optim.norm_lr_scale=64", "optim.schedule=triangle", "optim.label_smoothing=0.2", "optim.lookahead=true",
    "train.batch_size=1024", "train.epochs=10", "train.tta=flip-translate", "train.amp=true",
)


def _preset(*overrides: str) -> Callable[[], tuple[str, ...]]:
    return lambda: overrides


RECIPES.add("cifar10", _preset("name=cifar10", "data.name=cifar10", *_CIFAR),
            "fast CIFAR-10, airbench94's way: whitened fastnet, crop+flip, SGD-Nesterov, lookahead, flip+translate TTA "
            "(10 epochs)")
RECIPES.add("cifar100", _preset("name=cifar100", "data.name=cifar100", *_CIFAR, "train.epochs=15"),
            "the cifar10 recipe for CIFAR-100's 100 classes (15 epochs)")


def recipe_overrides(name: str | None) -> tuple[str, ...]:
    """The overrides of recipe ``name`` (none for ``None``); an unknown name is a one-line error."""
    return () if not name else RECIPES.create(name)
