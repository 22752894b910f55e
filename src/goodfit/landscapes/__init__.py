"""Gradient descent you can see: hikers walking down loss landscapes (``goodfit optim``).

The lecture's picture of optimization: the loss as a landscape seen from above, hikers (parameter
settings) starting at different places and walking down the steepest slope, the step size as the
learning rate, stochastic gradient descent as a noisy slope, and the rules for when to stop. The
hikers use the real ``torch.optim`` optimizers, so what learners see is what trains their networks.

Examples:
    >>> from goodfit.landscapes import LANDSCAPES, WalkConfig, walk
    >>> t = walk(LANDSCAPES.create("quadratic"), [2.0, 1.0], WalkConfig(optimizer="gd", lr=0.25))
    >>> t.stop_reason, t.steps < 100
    ('diverged', True)
"""

from goodfit.landscapes.explorer import Exploration, default_lrs, explore, write_page
from goodfit.landscapes.expression import parse_expression
from goodfit.landscapes.hikers import (
    OPTIMIZERS,
    STOP_REASONS,
    Trajectory,
    WalkConfig,
    judge_lr,
    lr_sweep,
    starting_points,
    walk,
    walk_many,
)
from goodfit.landscapes.surfaces import LANDSCAPES, Landscape, quadratic

__all__ = [
    "LANDSCAPES",
    "OPTIMIZERS",
    "STOP_REASONS",
    "Exploration",
    "Landscape",
    "Trajectory",
    "WalkConfig",
    "default_lrs",
    "explore",
    "judge_lr",
    "lr_sweep",
    "parse_expression",
    "quadratic",
    "starting_points",
    "walk",
    "walk_many",
    "write_page",
]
