"""goodfit: the deep-learning course workflow, ready-made — correct by default, checked, fast.

The public API is imported lazily, so ``import goodfit`` (and ``goodfit --help``) does not pay
for importing torch until a name that needs it is used.

Examples:
    >>> import goodfit
    >>> cfg = goodfit.apply_overrides(goodfit.Config(), ["train.epochs=2"])
    >>> cfg.train.epochs
    2
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Config": "goodfit.config",
    "DataConfig": "goodfit.config",
    "ModelConfig": "goodfit.config",
    "OptimConfig": "goodfit.config",
    "TrainConfig": "goodfit.config",
    "apply_overrides": "goodfit.config",
    "load_config": "goodfit.config",
    "build_config": "goodfit.config",
    "GoodfitError": "goodfit.errors",
    "ConfigError": "goodfit.errors",
    "DataError": "goodfit.errors",
    "RunDirError": "goodfit.errors",
    "UnknownNameError": "goodfit.errors",
    "TrainingError": "goodfit.errors",
    "RunDir": "goodfit.run",
    "DATASETS": "goodfit.data",
    "load_dataset": "goodfit.data",
    "prepare_data": "goodfit.data",
    "MODELS": "goodfit.models",
    "create_model": "goodfit.models",
    "fit": "goodfit.experiment",
    "launch_fit": "goodfit.launch.ddp",
    "FitResult": "goodfit.experiment",
    "load_model": "goodfit.trained",
    "evaluate_run": "goodfit.trained",
    "LoadedModel": "goodfit.trained",
    "check": "goodfit.checks",
    "Finding": "goodfit.checks",
    "write_report": "goodfit.report",
    "explore": "goodfit.report.explore",
    "watch": "goodfit.watch",
    "draw": "goodfit.serve.widget",
    "GENERATORS": "goodfit.generative",
    "fit_generative": "goodfit.generative",
    "DETECTORS": "goodfit.anomaly",
    "create_detector": "goodfit.anomaly",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'goodfit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from goodfit.anomaly import DETECTORS, create_detector  # noqa: F401
    from goodfit.checks import Finding, check  # noqa: F401
    from goodfit.config import (  # noqa: F401
        Config,
        DataConfig,
        ModelConfig,
        OptimConfig,
        TrainConfig,
        apply_overrides,
        load_config,
    )
    from goodfit.data import DATASETS, load_dataset, prepare_data  # noqa: F401
    from goodfit.errors import (  # noqa: F401
        ConfigError,
        DataError,
        GoodfitError,
        RunDirError,
        TrainingError,
        UnknownNameError,
    )
    from goodfit.experiment import FitResult, fit  # noqa: F401
    from goodfit.generative import GENERATORS, fit_generative  # noqa: F401
    from goodfit.launch.ddp import launch_fit  # noqa: F401
    from goodfit.models import MODELS, create_model  # noqa: F401
    from goodfit.report import write_report  # noqa: F401
    from goodfit.report.explore import explore  # noqa: F401
    from goodfit.run import RunDir  # noqa: F401
    from goodfit.trained import LoadedModel, evaluate_run, load_model  # noqa: F401
    from goodfit.watch import watch  # noqa: F401
