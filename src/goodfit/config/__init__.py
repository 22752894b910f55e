"""The experiment config: frozen, typed dataclasses that round-trip to YAML.

Every field can be set on the command line as a dotted ``key=value`` override::

    goodfit train optim.lr=3e-3 model.hidden=128,64 train.epochs=5

This package must stay import-light (no torch): the CLI imports it to answer ``--help``.

- :mod:`~goodfit.config.schema`: the sections (:class:`Config`, :class:`DataConfig`, ...);
- :mod:`~goodfit.config.ranges`: what each number may be, checked when a config is built;
- :mod:`~goodfit.config.saved`: plain dicts and YAML, saved configs' versions and their migration;
- :mod:`~goodfit.config.overrides`: ``key=value`` overrides and :func:`build_config`.
"""

from goodfit.config.overrides import apply_overrides, build_config, with_changes
from goodfit.config.ranges import (
    ANALOG_RANGES,
    DATA_RANGES,
    FRACTION,
    NONNEG,
    POSITIVE,
    RANGES,
    SEED,
    SIZE,
    Range,
    check_ranges,
    check_run_name,
)
from goodfit.config.saved import (
    CONFIG_VERSION,
    META_KEYS,
    config_from_dict,
    config_from_saved,
    config_to_dict,
    dump_config,
    load_config,
    migrate_config,
)
from goodfit.config.schema import AnalogConfig, Config, DataConfig, ModelConfig, OptimConfig, TrainConfig

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
    "with_changes",
    "ANALOG_RANGES",
    "DATA_RANGES",
    "FRACTION",
    "META_KEYS",
    "NONNEG",
    "POSITIVE",
    "SEED",
    "SIZE",
]
