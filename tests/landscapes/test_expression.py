"""The formula parser: the lecture's examples as numbers, and no way to run code through it."""

from __future__ import annotations

import pytest
import torch

from goodfit.errors import ConfigError
from goodfit.landscapes import LANDSCAPES, parse_expression


def _at(text: str, x: float, y: float = 0.0) -> float:
    return float(parse_expression(text)(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)))


def test_formulas_compute_what_they_say():
    assert _at("2*x**2 + 4*x", -1) == -2
    assert _at("3*x^2 - 2*y", 2, 1) == 10  # ^ is read as a power, as people write it
    assert _at("sin(pi*x) + exp(0*y) - abs(-3)", 0.5) == pytest.approx(-1)
    assert _at("-x + +y / 4", 1, 2) == pytest.approx(-0.5)


def test_an_expression_landscape_is_1d_or_2d_by_its_variables():
    assert LANDSCAPES.create("expr:2*x**2 + 4*x").dims == 1
    land = LANDSCAPES.create("expr:3*x**2 - 2*y")
    assert land.dims == 2 and land.formula == "3*x**2 - 2*y"


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hi')", "x.real", "open('f')", "[x, y][0]", "lambda: 1", "'a' * 3",
    "z + 1", "eval('1')", "x if y else 1", "sin(x, y)", "sin(x=1)", "torch.sin(x)",
])
def test_anything_but_arithmetic_is_refused(text):
    with pytest.raises(ConfigError, match="may only use numbers"):
        parse_expression(text)


@pytest.mark.parametrize("text, fragment", [("", "1..500"), ("x" * 501, "1..500"), ("2 *", "not a formula")])
def test_empty_long_or_broken_formulas_are_refused(text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse_expression(text)
