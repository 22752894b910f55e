"""Search spaces: a grid from ``key=v1,v2`` strings, or a YAML space for TPE.

Grid syntax (``goodfit search --grid``): ``key=choice,choice,...``. A choice of a tuple-typed key
such as ``model.hidden`` holds commas itself, so when a value contains ``|`` the choices are split
on ``|`` instead: ``model.hidden=32|64,64`` is the two choices ``(32,)`` and ``(64, 64)``;
``model.hidden=32,64`` is ``(32,)`` and ``(64,)``.

YAML space (``goodfit search --space search.yaml``), one entry per config key::

    optim.lr: {type: float, low: 1.0e-4, high: 1.0e-1, log: true}
    model.dropout: {type: float, low: 0.0, high: 0.5}
    train.batch_size: {type: int, low: 32, high: 512, log: true}
    model.hidden: {type: categorical, choices: [[64], [128, 128]]}
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from goodfit.config import Config, apply_overrides
from goodfit.errors import ConfigError

__all__ = ["parse_grid", "load_space", "check_space", "suggest", "to_override", "grid_size"]

_KINDS = ("float", "int", "categorical")


def _scalar(raw: str) -> Any:
    """A grid choice as Optuna stores it: int/float/bool/str scalars; tuples stay text ``"64,64"``."""
    raw = raw.strip()
    if "," in raw:
        return raw
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    if isinstance(value, str):
        try:  # YAML 1.1 reads "1e-4" (no dot) as text
            return float(value) if value.lower() not in ("nan", "inf", "-inf", "infinity") else value
        except ValueError:
            return raw
    return value if isinstance(value, (int, float, bool, str)) or value is None else raw


def parse_grid(items: Iterable[str]) -> dict[str, list[Any]]:
    """``["optim.lr=1e-3,1e-2", "model.hidden=32|64,64"]`` → ``{key: [choices]}``.

    Each item may also hold several ``key=values`` separated by spaces (one quoted ``--grid``).

    Examples:
        >>> parse_grid(["optim.lr=1e-3,1e-2 model.hidden=32|64,64"])
        {'optim.lr': [0.001, 0.01], 'model.hidden': ['32', '64,64']}
    """
    grid: dict[str, list[Any]] = {}
    for item in (part for text in items for part in text.split()):
        key, sep, raw = item.partition("=")
        if not sep or not key or not raw:
            raise ConfigError(f"grid entry {item!r} must look like key=v1,v2 (or key=a|b,c for tuples)")
        parts = raw.split("|") if "|" in raw else raw.split(",")
        choices = [_scalar(p) for p in parts if p.strip()]
        if key in ("model.hidden", "model.channels") or any(isinstance(c, str) and "," in c for c in choices):
            choices = [str(c) for c in choices]  # tuple-typed: text the config parser turns into a tuple
        grid[key.strip()] = choices
    if not grid:
        raise ConfigError("--grid needs at least one key=v1,v2 entry")
    return grid


def grid_size(grid: dict[str, list[Any]]) -> int:
    """Number of grid points (the product of the choice counts)."""
    n = 1
    for choices in grid.values():
        n *= len(choices)
    return n


def load_space(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read and check a YAML search space (see the module docstring for the format)."""
    path = Path(path)
    try:
        space = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"search space {path} not found; pass an existing YAML file") from None
    if not isinstance(space, dict):
        raise ConfigError(f"{path} must map config keys to {{type: float|int|categorical, ...}}")
    return check_space(space)


def check_space(space: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Validate a space dict; categorical list choices become comma text (Optuna stores scalars)."""
    out = {}
    for key, spec in space.items():
        if not isinstance(spec, dict) or spec.get("type") not in _KINDS:
            raise ConfigError(f"search space entry {key!r} needs type: float, int or categorical")
        spec = dict(spec)
        if spec["type"] == "categorical":
            if not spec.get("choices"):
                raise ConfigError(f"search space entry {key!r}: categorical needs a non-empty choices list")
            spec["choices"] = [
                ",".join(map(str, c)) if isinstance(c, (list, tuple)) else c for c in spec["choices"]
            ]
        else:
            if "low" not in spec or "high" not in spec:
                raise ConfigError(f"search space entry {key!r}: {spec['type']} needs low and high")
            cast = float if spec["type"] == "float" else int
            spec["low"], spec["high"] = cast(float(spec["low"])), cast(float(spec["high"]))
            if spec["low"] >= spec["high"] or (spec.get("log") and spec["low"] <= 0):
                raise ConfigError(
                    f"search space entry {key!r}: need 0 < low < high for log, low < high otherwise"
                )
        out[key] = spec
    apply_overrides(Config(), [to_override(k, _example(s)) for k, s in out.items()])  # unknown keys fail now
    return out


def _example(spec: dict[str, Any]) -> Any:
    return spec["choices"][0] if spec["type"] == "categorical" else spec["low"]


def suggest(trial: Any, space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Ask an Optuna ``trial`` for one value per key of ``space``."""
    params = {}
    for key, spec in space.items():
        if spec["type"] == "float":
            params[key] = trial.suggest_float(key, spec["low"], spec["high"], log=bool(spec.get("log")))
        elif spec["type"] == "int":
            params[key] = trial.suggest_int(key, spec["low"], spec["high"], log=bool(spec.get("log")))
        else:
            params[key] = trial.suggest_categorical(key, spec["choices"])
    return params


def to_override(key: str, value: Any) -> str:
    """A ``key=value`` override for a sampled value.

    Examples:
        >>> to_override("optim.lr", 0.001), to_override("model.hidden", "64,64")
        ('optim.lr=0.001', 'model.hidden=64,64')
    """
    if isinstance(value, bool):
        return f"{key}={str(value).lower()}"
    return f"{key}={'null' if value is None else value}"
