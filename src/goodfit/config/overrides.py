"""``key=value`` overrides, and the config a command line asks for (a file or a recipe, then overrides)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from goodfit.config.saved import config_from_dict, config_to_dict, load_config
from goodfit.config.schema import Config
from goodfit.errors import ConfigError

__all__ = ["apply_overrides", "build_config", "with_changes"]


def apply_overrides(cfg: Config, overrides: Iterable[str]) -> Config:
    """Return a copy of ``cfg`` with dotted ``key=value`` overrides applied.

    Values are parsed as YAML scalars (``3e-3``, ``true``, ``null``); a comma makes a tuple.

    Examples:
        >>> apply_overrides(Config(), ["optim.lr=0.01", "model.hidden=128,64"]).model.hidden
        (128, 64)
    """
    if isinstance(overrides, str):  # one override given bare: not its characters one by one
        overrides = [overrides]
    data = config_to_dict(cfg)
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"override {item!r} must look like key=value, e.g. optim.lr=3e-3")
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise ConfigError(f"unknown config key {key!r}; run 'goodfit train --show-config' to see all keys")
            node = node[part]
        if parts[-1] not in node or isinstance(node[parts[-1]], dict):
            raise ConfigError(f"unknown config key {key!r}; run 'goodfit train --show-config' to see all keys")
        node[parts[-1]] = _parse_value(raw)
    return config_from_dict(data, type(cfg))  # any config dataclass, e.g. goodfit.generative's


def build_config(file: str | Path | None = None, overrides: Iterable[str] = (), *,
                 shortcuts: dict[str, Any] | None = None, cls: type = Config, recipe: str | None = None) -> Any:
    """The config a command line asks for: a YAML ``file`` or a ``recipe`` (:mod:`goodfit.recipes`), else
    the defaults of ``cls``, then the ``shortcuts`` (dotted keys, e.g. ``{"data.name": "mnist"}`` from
    ``--dataset``; ``None`` values are left out), then the ``key=value`` ``overrides``, which win.

    Examples:
        >>> cfg = build_config(None, ["train.epochs=3"], shortcuts={"data.name": "digits", "model.name": None})
        >>> cfg.data.name, cfg.model.name, cfg.train.epochs
        ('digits', 'mlp', 3)
        >>> build_config(recipe="cifar10", shortcuts={"train.epochs": 2}).train.epochs
        2
    """
    if file and recipe:
        raise ConfigError("pass --recipe or --config, not both: a run's config.yaml already holds its recipe")
    from goodfit.recipes import recipe_overrides

    cfg = load_config(file, cls) if file else apply_overrides(cls(), recipe_overrides(recipe))
    extra = [f"{key}={_override_text(value)}" for key, value in (shortcuts or {}).items() if value is not None]
    return apply_overrides(cfg, [*extra, *(overrides or [])])


def _override_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_value(raw: str) -> Any:
    raw = raw.strip()
    if "," in raw and not raw.startswith("["):
        return [_parse_value(x) for x in raw.split(",") if x.strip()]
    try:
        return yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError:
        return raw


def with_changes(cfg: Config, **sections: dict[str, Any]) -> Config:
    """Copy of ``cfg`` with some fields of its sections replaced, e.g. ``train={"epochs": 2}``."""
    changes = {name: replace(getattr(cfg, name), **values) for name, values in sections.items()}
    return dataclasses.replace(cfg, **changes)
