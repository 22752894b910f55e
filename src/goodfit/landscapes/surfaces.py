"""Loss landscapes to walk on: the lecture's examples, the classic test functions, a bumpy bowl
that behaves like a real loss surface, and any formula a user types (``expr:3*x**2 - 2*y``).

A :class:`Landscape` is a differentiable torch function of one or two parameters, a window to draw
it in, and its known minima. Colours follow the lecture: yellow high, dark low (viridis).

Examples:
    >>> land = LANDSCAPES.create("himmelblau")
    >>> len(land.minima), float(land.value(torch.tensor([3.0, 2.0])))
    (4, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from goodfit.errors import ConfigError
from goodfit.landscapes.expression import expression_variables, parse_expression
from goodfit.registry import Registry

__all__ = ["Landscape", "LANDSCAPES", "quadratic", "grid_landscape"]

Fn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Landscape:
    """``fn(x, y)`` (elementwise, broadcasting; ``y`` unused when ``dims == 1``) drawn in ``window``."""

    name: str
    fn: Fn
    window: tuple[tuple[float, float], ...]  # (x_min, x_max)[, (y_min, y_max)]
    minima: tuple[tuple[float, ...], ...] = ()  # known minima (all of them, or the global one)
    min_value: float | None = None  # the lowest value, when known
    curvature: float | None = None  # the largest second derivative (L), when constant: GD diverges above 2/L
    formula: str = ""

    @property
    def dims(self) -> int:
        return len(self.window)

    def value(self, point: torch.Tensor) -> torch.Tensor:
        """The loss at ``point`` (shape ``(dims,)`` or ``(..., dims)``)."""
        x = point[..., 0]
        y = point[..., 1] if self.dims == 2 else torch.zeros_like(x)
        return self.fn(x, y)

    def grid(self, n: int = 200) -> tuple[torch.Tensor, ...]:
        """Coordinates and values on an ``n``-point (per axis) grid over the window, for drawing."""
        axes = [torch.linspace(lo, hi, n, dtype=torch.float64) for lo, hi in self.window]
        if self.dims == 1:
            return axes[0], self.fn(axes[0], torch.zeros_like(axes[0]))
        xx, yy = torch.meshgrid(axes[0], axes[1], indexing="xy")
        return xx, yy, self.fn(xx, yy)


def quadratic(condition: float = 10.0) -> Landscape:
    """``½(x² + κ y²)``: a valley κ times steeper across than along; GD diverges for lr > 2/κ.

    Examples:
        >>> quadratic(4.0).curvature
        4.0
    """
    if not (math.isfinite(condition) and condition >= 1):
        raise ConfigError(f"the quadratic's condition number must be >= 1, not {condition}")
    return Landscape(f"quadratic (condition {condition:g})", lambda x, y: 0.5 * (x**2 + condition * y**2),
                     ((-3.0, 3.0), (-3.0, 3.0)), ((0.0, 0.0),), 0.0, curvature=float(condition),
                     formula=f"½(x² + {condition:g}·y²)")


def _rosenbrock(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _himmelblau(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _beale(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _bumpy(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """A wide bowl with ripples: many shallow local minima around one deep one, like real losses."""
    return 0.1 * (x**2 + y**2) + 0.6 * torch.sin(3 * x) * torch.cos(3 * y) + 0.6


HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))


def _expression(text: str) -> Landscape:
    fn = parse_expression(text)
    dims = len(expression_variables(text))
    return Landscape(f"expr:{text}", fn, ((-3.0, 3.0),) * dims, formula=text)


def grid_landscape(name: str, alphas, betas, grid, *, formula: str = "") -> Landscape:
    """A landscape from measured values on a grid (``grid[j, i]`` at ``alphas[i]``, ``betas[j]``),
    interpolated bilinearly so that hikers get a slope; flat beyond the grid's edge.

    Examples:
        >>> import numpy as np
        >>> a = b = np.linspace(-1, 1, 3)
        >>> land = grid_landscape("bowl", a, b, np.add.outer(b**2, a**2))
        >>> float(land.value(torch.tensor([0.5, 0.0]))), float(land.value(torch.tensor([0.0, 0.0])))
        (0.5, 0.0)
    """
    g = torch.as_tensor(grid, dtype=torch.float64)
    (a0, a1), (b0, b1) = (float(alphas[0]), float(alphas[-1])), (float(betas[0]), float(betas[-1]))
    na, nb = g.shape[1], g.shape[0]

    def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        u = ((x - a0) / (a1 - a0) * (na - 1)).clamp(0, na - 1 - 1e-9)
        v = ((y - b0) / (b1 - b0) * (nb - 1)).clamp(0, nb - 1 - 1e-9)
        i, j = u.detach().floor().long(), v.detach().floor().long()
        fu, fv = u - i, v - j
        return ((1 - fu) * (1 - fv) * g[j, i] + fu * (1 - fv) * g[j, i + 1]
                + (1 - fu) * fv * g[j + 1, i] + fu * fv * g[j + 1, i + 1])

    k = int(torch.argmin(g))
    lowest = (float(alphas[k % na]), float(betas[k // na]))
    return Landscape(name, fn, ((a0, a1), (b0, b1)), (lowest,), float(g.min()), formula=formula)


def _run_slice(path: str) -> Landscape:
    """A trained run's real loss on the plane of its initial-to-final line and a random direction."""
    from goodfit.landscapes.slices import slice_run

    s = slice_run(path, points=31)
    return grid_landscape(f"run:{path}", s.alphas, s.betas, s.plane,
                          formula="training loss: x towards the initial weights, y a random direction")


LANDSCAPES: Registry[Landscape] = Registry("landscape")
LANDSCAPES.add("lecture-parabola", lambda: Landscape(
    "lecture-parabola", lambda x, y: 2 * x**2 + 4 * x, ((-4.0, 2.0),), ((-1.0,),), -2.0, curvature=4.0,
    formula="2x² + 4x"), "the lecture's f(x) = 2x² + 4x: minimum -2 at x = -1")
LANDSCAPES.add("lecture-slope", lambda: Landscape(
    "lecture-slope", lambda x, y: 3 * x**2 - 2 * y, ((-3.0, 3.0), (-3.0, 3.0)), formula="3x² - 2y"),
    "the lecture's f(x, y) = 3x² - 2y: gradient (6x, -2); no minimum, hikers walk on downhill")
LANDSCAPES.add("quadratic", quadratic, "½(x² + κy²), a valley of condition number κ (default 10)")
LANDSCAPES.add("rosenbrock", lambda: Landscape(
    "rosenbrock", _rosenbrock, ((-2.0, 2.0), (-1.0, 3.0)), ((1.0, 1.0),), 0.0, formula="(1-x)² + 100(y-x²)²"),
    "a curved, flat-bottomed valley: minimum 0 at (1, 1)")
LANDSCAPES.add("himmelblau", lambda: Landscape(
    "himmelblau", _himmelblau, ((-5.0, 5.0), (-5.0, 5.0)), HIMMELBLAU_MINIMA, 0.0,
    formula="(x²+y-11)² + (x+y²-7)²"), "four valleys with minimum 0: hikers end in different minima")
LANDSCAPES.add("beale", lambda: Landscape(
    "beale", _beale, ((-4.5, 4.5), (-4.5, 4.5)), ((3.0, 0.5),), 0.0,
    formula="(1.5-x+xy)² + (2.25-x+xy²)² + (2.625-x+xy³)²"), "steep walls and flat plains: minimum 0 at (3, 0.5)")
LANDSCAPES.add("bumpy", lambda: Landscape(
    "bumpy", _bumpy, ((-4.0, 4.0), (-4.0, 4.0)), formula="0.1(x²+y²) + 0.6 sin(3x) cos(3y) + 0.6"),
    "a bowl with ripples: local minima that trap plain gradient descent, as in real losses")
LANDSCAPES.add("run", _run_slice, "a trained run's real loss: the plane through its final weights (0, 0) and "
               "initial ones (1, 0); see goodfit optim slice", takes_argument=True)
LANDSCAPES.add("expr", _expression, "your own formula in x (and y), e.g. expr:3*x**2-2*y", takes_argument=True)
