"""How landscapes are coloured: the lecture's red hikers, and contour levels that show a valley whatever
the range of the loss (yellow high, dark low, one colour step per band)."""

from __future__ import annotations

import numpy as np

__all__ = ["HIKER", "LEVELS", "contour_levels"]

HIKER = "#e0262b"  # the lecture's red dots
LEVELS = 24


def contour_levels(z: np.ndarray) -> np.ndarray:
    """Contour levels spread by quantile: a landscape with a huge range (Rosenbrock) still shows its valley."""
    finite = z[np.isfinite(z)]
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, LEVELS)))
    return levels if len(levels) > 1 else np.array([finite.min(), finite.min() + 1])
