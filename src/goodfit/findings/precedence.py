"""Findings that another finding explains: dropped, so that a student is sent to the cause.

Constant or non-finite inputs make every sample hash alike (or meaningless), so the split-overlap
findings they trigger are echoes; a learning rate far too high or dead ReLUs make later updates
tiny, so an update ratio that "looks too low" would advise the opposite of the fix; a parameter that
gets no gradient has no update ratio worth a separate warning.

Examples:
    >>> from goodfit.findings import finding
    >>> found = [finding("constant-inputs", "all inputs are 0."),
    ...          finding("train-valid-overlap", "100% of validation samples are in train.")]
    >>> [f.id for f in settle(found)]
    ['constant-inputs']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goodfit.findings import Finding

__all__ = ["EXPLAINED_BY", "EXPLAINED_AT", "settle", "explained"]

BROKEN_INPUTS = frozenset({"constant-inputs", "nonfinite-inputs"})

# finding id -> ids that explain it wherever they were found
EXPLAINED_BY: dict[str, frozenset[str]] = {
    "train-valid-overlap": BROKEN_INPUTS,
    "train-test-overlap": BROKEN_INPUTS,
    "valid-test-overlap": BROKEN_INPUTS,
    "update-ratio": BROKEN_INPUTS | {"extreme-lr", "dead-relu", "nonfinite-loss", "all-parameters-frozen"},
    "softmax-before-ce": frozenset({"softmax-from-logits"}),  # Keras: the same softmax, named with its fix
    "small-valid-split": frozenset({"validation-split-tail"}),  # classes missing from a sorted tail: the cause
}

# finding id -> ids that explain it when found at the same place (the same parameter)
EXPLAINED_AT: dict[str, frozenset[str]] = {
    "update-ratio": frozenset({"unchanged-parameters", "unused-parameters", "zero-gradient", "frozen-parameters"}),
}


def explained(f: Finding, others: Iterable[Finding]) -> bool:
    """Whether one of ``others`` explains ``f``."""
    by, at = EXPLAINED_BY.get(f.id, frozenset()), EXPLAINED_AT.get(f.id, frozenset())
    return any(o.id in by or (o.id in at and o.where == f.where) for o in others if o is not f)


def settle(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` without those another one of them explains, in their order."""
    found = list(findings)
    return [f for f in found if not explained(f, found)]
