"""The experiment config: frozen, typed dataclasses that round-trip to YAML.

Every field can be set on the command line as a dotted ``key=value`` override::

    goodfit train optim.lr=3e-3 model.hidden=128,64 train.epochs=5

This module must stay import-light (no torch): the CLI imports it to answer ``--help``.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml

from goodfit.errors import ConfigError

__all__ = [
    "AnalogConfig",
    "Config",
    "DataConfig",
    "ModelConfig",
    "OptimConfig",
    "Range",
    "RANGES",
    "CONFIG_VERSION",
    "config_from_saved",
    "migrate_config",
    "TrainConfig",
    "apply_overrides",
    "build_config",
    "check_ranges",
    "check_run_name",
    "config_from_dict",
    "config_to_dict",
    "load_config",
    "dump_config",
]

Scaling = Literal["standardize", "minmax01", "minmax11", "none"]
Augment = Literal["none", "shift", "crop-flip", "crop-flip-cutout", "spectrogram"]
TaskName = Literal["auto", "classification", "binary", "regression", "reconstruction", "denoising"]
LossName = Literal["auto", "ce", "bce", "mse", "l1", "huber"]


@dataclass(frozen=True)
class Range:
    """The values a number field may take: ``lo``..``hi``, each end closed unless marked open.

    Examples:
        >>> Range(0, 1, hi_open=True).describe(), Range(1).describe(), Range(0, 2**32 - 1).describe()
        ('in [0, 1)', '>= 1', 'in 0..4294967295')
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    hint: str = ""  # what the value means, added to the error (e.g. "0 turns early stopping off")

    def __contains__(self, x: float) -> bool:
        above = self.lo is None or (x > self.lo if self.lo_open else x >= self.lo)
        below = self.hi is None or (x < self.hi if self.hi_open else x <= self.hi)
        return above and below

    def describe(self) -> str:
        if self.hi is None:
            return f"{'>' if self.lo_open else '>='} {self.lo}"
        if not (self.lo_open or self.hi_open) and all(float(v).is_integer() for v in (self.lo, self.hi)):
            return f"in {self.lo}..{self.hi}"
        return f"in {'(' if self.lo_open else '['}{self.lo}, {self.hi}{')' if self.hi_open else ']'}"


SEED = Range(0, 2**32 - 1, hint="any whole number works; seeds are not ranked")
FRACTION = Range(0, 1, hi_open=True)
NONNEG = Range(0)
POSITIVE = Range(0, lo_open=True)
SIZE = Range(1, 2**20)  # layer widths, channels
INT64 = 2**63  # the largest whole numbers torch and numpy hold

ANALOG_RANGES: dict[str, Range] = {
    "input_bits": Range(1, 12), "weight_bits": Range(1, 12), "output_bits": Range(2, 16),
    "chunk_rows": Range(1, 2**20), "gain": POSITIVE, "hidden": SIZE, "logit_scale": POSITIVE,
    "noise": Range(0, hint="0 makes the forward pass deterministic"), "gain_mismatch": NONNEG,
    "relu_shift": Range(-16, 16, hint="negative shifts left"), "seed": SEED,
}

DATA_RANGES: dict[str, Range] = {
    "valid_fraction": FRACTION, "split_seed": SEED, "noise_std": NONNEG, "fold": NONNEG,
    "train_subset": Range(0, hint="0 uses all training data"), "folds": Range(0, 1000, hint="0 turns k-fold off"),
    "image_size": Range(0, 4096, hint="0 keeps the images' own size"),
}

RANGES: dict[str, Range] = {
    "seed": SEED,
    **{f"data.{k}": r for k, r in DATA_RANGES.items()},
    "model.hidden": SIZE, "model.channels": SIZE, "model.dropout": FRACTION,
    "optim.lr": POSITIVE, "optim.weight_decay": NONNEG, "optim.l1": NONNEG, "optim.label_smoothing": FRACTION,
    "optim.momentum": Range(0, 1, hi_open=True, hint="0.9 is the usual choice"),
    "train.epochs": Range(1, 10**6), "train.batch_size": Range(1, 2**31 - 1),
    "train.patience": Range(0, hint="0 turns early stopping off"), "train.min_delta": NONNEG,
    "train.num_workers": Range(0, 256), "train.nproc": Range(1, 1024, hint="1 trains in this process"),
}


def check_ranges(obj: Any, ranges: dict[str, Range], prefix: str = "") -> None:
    """Raise one :class:`ConfigError` for the first field of the dataclass ``obj`` out of range.

    Every number must be finite and every whole number fit in 64 bits; a field named in ``ranges``
    (dotted, relative to ``obj``; a tuple's items each) must lie in its :class:`Range`. Nested config
    dataclasses are checked by their own ``__post_init__`` and skipped here.

    Examples:
        >>> check_ranges(OptimConfig(lr=float("nan")), {"lr": POSITIVE}, prefix="optim.")
        Traceback (most recent call last):
        goodfit.errors.ConfigError: optim.lr=nan must be a finite number
    """
    for key, value in _leaves(obj, ""):
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                continue
            if isinstance(item, float) and not math.isfinite(item):
                raise ConfigError(f"{prefix}{key}={item} must be a finite number")
            if isinstance(item, int) and not -INT64 <= item < INT64:
                raise ConfigError(f"{prefix}{key}={item} is too large; whole numbers must be below 2**63")
            allowed = ranges.get(key)
            if allowed is not None and item not in allowed:
                hint = f" ({allowed.hint})" if allowed.hint else ""
                raise ConfigError(f"{prefix}{key}={item} is out of range: it must be {allowed.describe()}{hint}")


def _leaves(obj: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            if not hasattr(type(value), "__post_init__"):  # checked here, not by itself
                yield from _leaves(value, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name, value


def check_run_name(name: str) -> None:
    """A run name becomes one folder name inside ``out_dir``: no separators, no ``..``, not empty.

    Examples:
        >>> check_run_name("lr-sweep")
        >>> check_run_name("../../x")
        Traceback (most recent call last):
        goodfit.errors.ConfigError: name='../../x' must be a plain folder name (letters, digits, - _ .), not a ...
    """
    bad = not name or name in {".", ".."} or any(c in name for c in "/\\\0") or not name.isprintable()
    if bad or name.startswith("-"):
        raise ConfigError(f"name={name!r} must be a plain folder name (letters, digits, - _ .), not a path; "
                          "use out_dir=PATH to choose where runs go")


@dataclass(frozen=True)
class DataConfig:
    name: str = "mnist-5k"
    task: TaskName = "auto"  # auto: the data set's own (goodfit.tasks); e.g. denoising on an image set
    root: str | None = None  # None: --data-root, else $GOODFIT_DATA, else the user cache dir
    valid_fraction: float = 0.1  # carved from train, stratified
    split_seed: int = 0  # seeds the train/valid split only, so model seeds can vary alone
    scaling: Scaling = "standardize"  # fitted on the training split only
    augment: Augment = "none"
    download: bool = True  # fetch missing MNIST-style files from public mirrors
    train_subset: int = 0  # use only this many training samples (stratified); 0 = all
    folds: int = 0  # k-fold cross-validation: the validation split is fold `fold` of `folds`; 0 = off
    fold: int = 0
    target_scaling: Literal["standardize", "none"] = "standardize"  # regression targets, fitted on train
    noise_std: float = 0.5  # denoising: std of the Gaussian noise added to the (scaled) inputs
    image_size: int = 0  # bring every image to image_size x image_size pixels; 0 = as stored
    resize: Literal["crop", "squash"] = "crop"  # image_size: shorter side + centre crop, or squash to the square
    skip_bad: bool = False  # imagefolder: leave unreadable images out (counted) instead of stopping


@dataclass(frozen=True)
class AnalogConfig:
    """The analog chip (BrainScaleS-2-style) and the ``analog-mlp`` model; see docs/analog.md."""

    hidden: tuple[int, ...] = (256, 256)  # analog-mlp hidden sizes (the course's 784-256-256-10)
    input_bits: int = 5  # unsigned input codes 0..2**b-1 (BSS-2: 0..31)
    weight_bits: int = 6  # weight magnitude bits, sign separate: -(2**b-1)..2**b-1 (BSS-2: -63..63)
    output_bits: int = 8  # signed ADC read-out, saturates at -2**(b-1)..2**(b-1)-1 (-128..127)
    chunk_rows: int = 128  # input rows per analog pass; each chunk is read out (and saturates) alone
    gain: float = 0.002  # ADC LSB per (input LSB x weight LSB)
    noise: float = 2.0  # std of the Gaussian read-out noise per chunk, in ADC LSB; 0 = deterministic
    gain_mismatch: float = 0.0  # relative std of a fixed per-(chunk, column) gain pattern
    relu_shift: int = 1  # ConvertingReLU: clamp 0..127, then >> shift, then clamp to the input range
    logit_scale: float = 0.1  # the host scales the integer logits for the loss (argmax unchanged)
    seed: int | None = None  # seeds read-out noise and mismatch; None: torch's global RNG (run seed)

    def __post_init__(self) -> None:
        check_ranges(self, ANALOG_RANGES, prefix="model.analog.")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "mlp"
    hidden: tuple[int, ...] = (64, 64, 64)  # mlp: hidden layer sizes (the course's 784-64-64-64-10)
    activation: str | None = None  # None: the model's own (relu; fastnet: gelu)
    dropout: float = 0.0
    batchnorm: bool | None = None  # None: the model's own choice (mlp: off, convnet: on)
    channels: tuple[int, ...] = ()  # width of each conv stage; (): the model's own (convnet 32,64; fastnet 64,256,256)
    init: Literal["default", "xavier", "kaiming"] = "default"  # default: the model's own initialization
    init_bias: float | None = None  # fill every linear / conv bias with this (e.g. 0.01); None: the init's own
    analog: AnalogConfig = field(default_factory=AnalogConfig)  # analog-mlp only


@dataclass(frozen=True)
class OptimConfig:
    name: Literal["adam", "adamw", "sgd"] = "adam"
    loss: LossName = "auto"  # auto: the task's own (ce, bce, mse); mse / l1 / huber for real-valued targets
    label_smoothing: float = 0.0  # cross-entropy only
    lr: float | Literal["find"] = 3e-3  # find: the learning-rate range test picks it (goodfit lr-find)
    weight_decay: float = 0.0
    momentum: float = 0.9  # sgd only
    nesterov: bool = False  # sgd only
    schedule: Literal["constant", "cosine", "onecycle"] = "constant"
    l1: float = 0.0  # L1 penalty: l1 * sum(|w|) over weight tensors (not biases or norm layers)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    batch_size: int = 256
    patience: int = 0  # early stopping on valid loss plateau; 0 = off
    min_delta: float = 0.0
    target: float | None = None  # stop once the task's valid score reaches this ("stop at 98 %" accuracy)
    target_metric: str | None = None  # the valid_* column train.target applies to, e.g. valid_loss (lower is better)
    device: str = "cpu"  # cpu, cuda, cuda:1, mps, or auto
    dtype: Literal["float32", "float64"] = "float32"
    amp: bool = False  # autocast to bfloat16 (cpu) / float16 (cuda)
    tta: Literal["none", "flip"] = "none"  # test-time augmentation at each evaluation; flip: mean with the mirror
    compile: bool = False  # torch.compile the model
    deterministic: bool = False  # torch.use_deterministic_algorithms; bit-identical reruns
    loader: Literal["auto", "memory", "dataloader"] = "auto"
    num_workers: int = 0  # dataloader path only
    tensorboard: bool = False  # the same as tracking=tensorboard (kept: older runs' configs say it)
    tracking: tuple[Literal["none", "tensorboard", "mlflow"], ...] = ()  # e.g. mlflow, or tensorboard,mlflow
    checkpoint: bool = True
    evaluate_test: bool = True  # False in k-fold and search trials: the test set stays untouched
    select: Literal["best", "last"] = "best"  # evaluate the best-valid-loss weights, or the last ones
    check: bool = True  # run the pitfall lint before training
    monitors: bool = True  # gradient / activation monitors during training (findings.json)
    keep_trajectory: bool = False  # weights after every epoch, for goodfit optim slice's trajectory plot
    nproc: int = 1  # data-parallel processes; batch_size is split over them (docs/distributed.md)


@dataclass(frozen=True)
class Config:
    name: str = "run"
    seed: int = 0
    out_dir: str = "runs"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        _validate(self)


def _validate(cfg: Config) -> None:
    """Every field in its range (:data:`RANGES`), then the rules that tie fields together."""
    check_ranges(cfg, RANGES)
    check_run_name(cfg.name)
    checks = [
        (cfg.train.batch_size % cfg.train.nproc == 0,
         f"train.batch_size={cfg.train.batch_size} does not split evenly over train.nproc={cfg.train.nproc} "
         f"processes; use a multiple of {cfg.train.nproc}"),
        ("none" not in cfg.train.tracking or len(cfg.train.tracking) == 1,
         "train.tracking=none cannot be combined with a tracker; give tensorboard, mlflow or both"),
        (cfg.data.folds != 1, "data.folds must be 0 (off) or >= 2"),
        (cfg.data.folds == 0 or cfg.data.fold < cfg.data.folds, "data.fold must be in [0, data.folds)"),
        (cfg.model.name != "analog-mlp" or cfg.data.scaling == "minmax01",
         "model.name=analog-mlp turns inputs in [0, 1] into chip codes; add data.scaling=minmax01"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)


# --------------------------------------------------------------------------- dict / YAML


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


# --------------------------------------------------------------------------- overrides


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
