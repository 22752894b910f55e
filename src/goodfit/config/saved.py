"""A config as plain data and YAML, and configs that goodfit saved: their version and its migration."""

from __future__ import annotations

import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml

from goodfit.config.schema import Config
from goodfit.errors import ConfigError

__all__ = ["CONFIG_VERSION", "META_KEYS", "config_to_dict", "config_from_dict", "config_from_saved", "dump_config",
           "load_config", "migrate_config"]


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """A plain, YAML-friendly dict (tuples become lists)."""

    def plain(v: Any) -> Any:
        if is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in fields(v)}
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        return v

    return plain(cfg)


def config_from_dict(data: dict[str, Any], cls: type = Config) -> Any:
    """Build ``cls`` from a nested dict, checking keys and types; unknown keys are errors."""
    return _build(cls, data, prefix="")


def _build(cls: type, data: Any, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix or 'config'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"unknown config key {prefix + unknown[0]!r}; known keys here: {', '.join(sorted(known))}"
        )
    kwargs = {}
    for name, value in data.items():
        tp = hints[name]
        key = prefix + name
        kwargs[name] = _build(tp, value, key + ".") if is_dataclass(tp) else _coerce(value, tp, key)
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - fields all have defaults
        raise ConfigError(str(exc)) from None


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check/convert one parsed value to the annotated type, or raise a clear ConfigError."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        errors = []
        for member in others:  # the first member that takes the value, e.g. float, then Literal["find"]
            try:
                return _coerce(value, member, key)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{key}={value!r} is not allowed; choose one of {', '.join(map(str, args))}")
        return value
    if origin is tuple:
        items = value if isinstance(value, (list, tuple)) else [value]
        return tuple(_coerce(v, args[0], key) for v in items)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}={value!r}: expected true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{key}={value!r}: expected an integer")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads "3e-3" (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"{key}={value!r}: expected a number such as 3e-3")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{key}={value!r}: expected a string")
    raise ConfigError(f"{key}: unsupported type {tp}")  # pragma: no cover


def dump_config(cfg: Config, path: Path | None = None, *, extra: dict[str, Any] | None = None) -> str:
    """YAML text of ``cfg`` (plus ``extra`` top-level keys such as versions); written if ``path``.
    A ``meta`` mapping in ``extra`` (a run's saved config) records :data:`CONFIG_VERSION` too."""
    data = config_to_dict(cfg)
    if extra:
        data = {**data, **extra}
        if isinstance(extra.get("meta"), dict) and isinstance(cfg, Config):
            data["meta"] = {**extra["meta"], "config_version": CONFIG_VERSION}
    text = yaml.safe_dump(data, sort_keys=False)
    if path is not None:
        from goodfit.run import atomic_write_text

        atomic_write_text(path, text)
    return text


META_KEYS = ("meta",)  # written beside the config in a run's config.yaml, ignored on load
CONFIG_VERSION = 2  # of what a saved config's fields mean; bump it with a step in migrate_config


def migrate_config(data: dict[str, Any], version: int) -> dict[str, Any]:
    """A :class:`Config` dict that goodfit saved at schema ``version`` (its run's ``meta.config_version``,
    1 where none is recorded), read as it was meant today. Configs written by hand are never migrated.

    Version 1 wrote every model field: ``batchnorm: false`` for models that ignored it (a convnet then
    always had batch norm), ``channels: [32, 64]`` and ``activation: relu`` for every model. Version 2
    lets each model refuse an option it does not use, and ``activation`` / ``batchnorm`` / ``channels``
    unset mean the model's own choice.

    Examples:
        >>> migrate_config({"model": {"name": "convnet", "batchnorm": False, "channels": [32, 64]}}, 1)
        {'model': {'name': 'convnet', 'batchnorm': None, 'channels': [32, 64]}}
        >>> migrate_config({"model": {"name": "mlp", "batchnorm": False, "channels": [32, 64]}}, 1)
        {'model': {'name': 'mlp', 'batchnorm': False}}
    """
    if version >= CONFIG_VERSION or not isinstance(data.get("model"), dict):
        return data
    model = dict(data["model"])
    name = model.get("name", "mlp")
    if model.get("batchnorm") is False and name not in ("mlp", "keras-mlp"):
        model["batchnorm"] = None
    if list(model.get("channels", ())) == [32, 64] and name != "convnet":
        del model["channels"]
    if model.get("activation") == "relu" and name not in ("mlp", "convnet", "keras-mlp"):
        del model["activation"]
    return {**data, "model": model}


def load_config(path: str | Path, cls: type | None = None) -> Any:
    """Read a YAML config (a run's ``config.yaml`` or its folder works too: ``meta`` is ignored).

    ``cls`` is the config dataclass to build (default :class:`Config`; the generative runs pass theirs).
    """
    from goodfit.fileio import read_text

    path = Path(path)
    if path.is_dir():
        path = path / "config.yaml"
    text = read_text(path, what="config file", fix="pass an existing YAML file", error=ConfigError)
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ConfigError(f"{path} is nested too deeply to be a config; pass a goodfit YAML config") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys")
    meta = data.get("meta")
    for key in META_KEYS:
        data.pop(key, None)
    if isinstance(meta, dict) and (cls or Config) is Config:  # saved by goodfit: maybe by an older one
        return config_from_saved(data, meta.get("config_version"))
    return config_from_dict(data, cls or Config)


def config_from_saved(data: dict[str, Any], version: int | None) -> Config:
    """A :class:`Config` from a dict goodfit saved (a checkpoint's, a study spec's, a run's config.yaml) at
    config schema ``version`` (None: saved before versions were recorded), migrated to today's."""
    return config_from_dict(migrate_config(data, int(version or 1)))
