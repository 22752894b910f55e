"""Diagnosis of a run's learning curves (history.csv): overfitting, underfitting, not converged,
diverged, noisy — or healthy — each with what to do.

The levels are relative to the task's no-skill loss (``chance_loss``: ln C for C classes, the loss
of predicting the training mean for regression, of the noisy input for denoising).

Examples:
    >>> rows = [{"epoch": e, "train_loss": 1 / e, "valid_loss": 0.5 + abs(e - 4) * 0.1}
    ...         for e in range(1, 11)]
    >>> [f.id for f in diagnose_curves(rows, chance_loss=math.log(10))]
    ['overfitting']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from goodfit.findings import Finding, finding

__all__ = ["diagnose_curves"]


def _series(history: Sequence[dict], key: str) -> np.ndarray:
    return np.array([float(r.get(key, float("nan"))) for r in history], dtype=float)


def diagnose_curves(history: Sequence[dict], *, chance_loss: float | None = None, n_classes: int | None = None,
                    underfit_fraction: float = 0.5, diverged: bool = False) -> list[Finding]:
    """Findings about how training went; an empty history gives none. ``chance_loss`` is the task's
    no-skill loss (``n_classes=C`` is short for ``ln C``); training that ends above
    ``underfit_fraction`` of it is underfitting."""
    if not history:
        return []
    train, valid = _series(history, "train_loss"), _series(history, "valid_loss")
    ref = chance_loss if chance_loss is not None else math.log(max(n_classes or 2, 2))
    if diverged or not np.isfinite(train).all() or train[-1] > train[0] * 1.5:
        return [finding("diverged", f"training loss went from {train[0]:.3g} to {train[-1]:.3g}.")]
    found: list[Finding] = []
    has_valid = np.isfinite(valid).all()
    n = len(train)
    if has_valid and n >= 3:
        best = int(np.argmin(valid))
        rise = valid[-1] - valid[best]
        if best < n - 2 and rise > 0.1 * valid[best] and train[-1] < train[best]:
            found.append(finding("overfitting", f"validation loss was lowest at epoch {best + 1} ({valid[best]:.3g}) "
                                 f"and rose to {valid[-1]:.3g} while training loss kept falling "
                                 f"({train[best]:.3g} → {train[-1]:.3g}).", where=f"epoch {best + 1}"))
        steps = np.diff(valid)
        trend = abs(valid[-1] - valid[0]) / max(n - 1, 1)
        alternating = (np.sign(steps[1:]) != np.sign(steps[:-1])).mean() > 0.5
        if n >= 5 and np.abs(steps).mean() > 3 * max(trend, 1e-3) and alternating:
            found.append(finding("noisy", f"validation loss changes by {np.abs(steps).mean():.3g} per epoch on "
                                 f"average, in alternating directions."))
    if math.isfinite(ref) and train[-1] > underfit_fraction * ref:
        found.append(finding("underfitting", f"training loss ends at {train[-1]:.3g}, over {underfit_fraction:.0%} "
                             f"of the no-skill loss {ref:.3g} (what predicting without looking at the "
                             "inputs scores)."))
    curve = valid if has_valid else train
    if n >= 3 and not any(f.id == "overfitting" for f in found):
        recent = curve[-max(n // 5, 2):]
        if recent[-1] < recent[0] * 0.98 and int(np.argmin(curve)) >= n - 2:
            found.append(finding("not-converged", f"{'validation' if has_valid else 'training'} loss still fell "
                                 f"over the last {len(recent)} epochs ({recent[0]:.3g} → {recent[-1]:.3g})."))
    if not found:
        found.append(finding("healthy", f"loss fell from {train[0]:.3g} to {train[-1]:.3g}"
                             f"{f' (valid {valid[-1]:.3g})' if has_valid else ''} and settled."))
    return found
