"""A safe parser for a landscape the user types: ``3*x**2 - 2*y`` becomes a torch function of x, y.

The text is parsed with :mod:`ast` and only numbers, ``x``, ``y``, ``pi``, ``e``, the arithmetic
operators and a short list of functions are allowed; anything else (attributes, calls of other
names, subscripts, lambdas, strings) is refused with one line. Nothing is ``eval``-ed.

Examples:
    >>> import torch
    >>> f = parse_expression("2*x**2 + 4*x")
    >>> float(f(torch.tensor(-1.0), torch.tensor(0.0)))
    -2.0
    >>> parse_expression("__import__('os').system('ls')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    goodfit.errors.ConfigError: the landscape ... may only use numbers, x, y, pi, e, ...; it uses a call of ...
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

import torch

from goodfit.errors import ConfigError

__all__ = ["parse_expression", "expression_variables", "FUNCTIONS"]

FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "abs": torch.abs, "cos": torch.cos, "cosh": torch.cosh, "exp": torch.exp, "log": torch.log,
    "sin": torch.sin, "sinh": torch.sinh, "sqrt": torch.sqrt, "tan": torch.tan, "tanh": torch.tanh,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
MAX_LENGTH = 500

Fn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def parse_expression(text: str) -> Fn:
    """``f(x, y)`` from a formula in x and y (y may be absent: a 1-D landscape), built from torch ops."""
    tree = _parse(text)
    return _compile(tree.body, text)


def expression_variables(text: str) -> tuple[str, ...]:
    """The variables a formula uses, in order: ``("x",)`` or ``("x", "y")``.

    Examples:
        >>> expression_variables("2*x**2 + 4*x"), expression_variables("3*x**2 - 2*y")
        (('x',), ('x', 'y'))
    """
    names = {n.id for n in ast.walk(_parse(text)) if isinstance(n, ast.Name)}
    return tuple(v for v in VARIABLES if v in names) or ("x",)


def _parse(text: str) -> ast.Expression:
    if not text.strip() or len(text) > MAX_LENGTH:
        raise ConfigError(f"a landscape formula must have 1..{MAX_LENGTH} characters, e.g. expr:3*x**2-2*y")
    try:
        return ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ConfigError(f"the landscape {text!r} is not a formula ({exc.msg}); write e.g. 3*x**2 - 2*y") from None


def _refuse(text: str, what: str) -> ConfigError:
    allowed = ", ".join(sorted(FUNCTIONS))
    return ConfigError(f"the landscape {text!r} may only use numbers, x, y, pi, e, + - * / ** and "
                       f"{allowed}; it uses {what}")


def _compile(node: ast.AST, text: str) -> Fn:
    """A closure computing ``node`` from (x, y); recursion mirrors the (small, checked) tree."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        value = float(node.value)
        return lambda x, y: torch.full_like(x, value)
    if isinstance(node, ast.Name):
        if node.id in VARIABLES:
            return (lambda x, y: x) if node.id == "x" else (lambda x, y: y)
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return lambda x, y: torch.full_like(x, value)
        raise _refuse(text, f"the name {node.id}")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op, left, right = _BINARY[type(node.op)], _compile(node.left, text), _compile(node.right, text)
        return lambda x, y: op(left(x, y), right(x, y))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op, inner = _UNARY[type(node.op)], _compile(node.operand, text)
        return lambda x, y: op(inner(x, y))
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in FUNCTIONS or len(node.args) != 1 or node.keywords:
            raise _refuse(text, f"a call of {name}")
        fn, inner = FUNCTIONS[name], _compile(node.args[0], text)
        return lambda x, y: fn(inner(x, y))
    raise _refuse(text, f"'{ast.unparse(node)}'")
