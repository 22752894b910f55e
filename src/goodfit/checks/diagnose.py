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
from goodfit.i18n import _

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
        return [finding("diverged", _("training loss went from {first:.3g} to {last:.3g}.").format(
            first=train[0], last=train[-1]))]
    found: list[Finding] = []
    has_valid = np.isfinite(valid).all()
    n = len(train)
    if has_valid and n >= 3:
        best = int(np.argmin(valid))
        rise = valid[-1] - valid[best]
        if best < n - 2 and rise > 0.1 * valid[best] and train[-1] < train[best]:
            found.append(finding("overfitting", _(
                "validation loss was lowest at epoch {epoch} ({lowest:.3g}) and rose to {last:.3g} while training "
                "loss kept falling ({train_then:.3g} → {train_last:.3g}).").format(
                    epoch=best + 1, lowest=valid[best], last=valid[-1], train_then=train[best], train_last=train[-1]),
                where=f"epoch {best + 1}"))
        steps = np.diff(valid)
        trend = abs(valid[-1] - valid[0]) / max(n - 1, 1)
        alternating = (np.sign(steps[1:]) != np.sign(steps[:-1])).mean() > 0.5
        if n >= 5 and np.abs(steps).mean() > 3 * max(trend, 1e-3) and alternating:
            found.append(finding("noisy", _("validation loss changes by {change:.3g} per epoch on average, in "
                                            "alternating directions.").format(change=np.abs(steps).mean())))
    if math.isfinite(ref) and train[-1] > underfit_fraction * ref:
        found.append(finding("underfitting", _(
            "training loss ends at {last:.3g}, over {fraction:.0%} of the no-skill loss {reference:.3g} (what "
            "predicting without looking at the inputs scores).").format(
                last=train[-1], fraction=underfit_fraction, reference=ref)))
    curve = valid if has_valid else train
    if n >= 3 and not any(f.id == "overfitting" for f in found):
        recent = curve[-max(n // 5, 2):]
        if recent[-1] < recent[0] * 0.98 and int(np.argmin(curve)) >= n - 2:
            text = (_("validation loss still fell over the last {n} epochs ({first:.3g} → {last:.3g}).") if has_valid
                    else _("training loss still fell over the last {n} epochs ({first:.3g} → {last:.3g})."))
            found.append(finding("not-converged", text.format(n=len(recent), first=recent[0], last=recent[-1])))
    if not found:
        text = (_("loss fell from {first:.3g} to {last:.3g} (valid {valid:.3g}) and settled.") if has_valid
                else _("loss fell from {first:.3g} to {last:.3g} and settled."))
        found.append(finding("healthy", text.format(first=train[0], last=train[-1], valid=valid[-1])))
    return found
