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

from typing import TYPE_CHECKING

from goodfit.lazy import lazy_exports

__version__ = "0.1.0"

__all__ = [
    "apply_overrides",
    "build_config",
    "check",
    "Config",
    "ConfigError",
    "create_detector",
    "create_model",
    "DataConfig",
    "DataError",
    "DATASETS",
    "DETECTORS",
    "draw",
    "evaluate_run",
    "explore",
    "Finding",
    "fit",
    "fit_generative",
    "FitResult",
    "GENERATORS",
    "GoodfitError",
    "launch_fit",
    "load_config",
    "load_dataset",
    "load_model",
    "LoadedModel",
    "ModelConfig",
    "MODELS",
    "OptimConfig",
    "prepare_data",
    "RunDir",
    "RunDirError",
    "TrainConfig",
    "TrainingError",
    "UnknownNameError",
    "watch",
    "write_report",
    "__version__",
]

_EXPORTS = {  # module -> the public names it defines (docs/hooks/generated_pages.py reads this literal)
    "goodfit.config": ("Config", "DataConfig", "ModelConfig", "OptimConfig", "TrainConfig", "apply_overrides",
                       "load_config", "build_config"),
    "goodfit.errors": ("GoodfitError", "ConfigError", "DataError", "RunDirError", "UnknownNameError",
                       "TrainingError"),
    "goodfit.run": ("RunDir",),
    "goodfit.data": ("DATASETS", "load_dataset", "prepare_data"),
    "goodfit.models": ("MODELS", "create_model"),
    "goodfit.experiment": ("fit", "FitResult"),
    "goodfit.launch.ddp": ("launch_fit",),
    "goodfit.trained": ("load_model", "evaluate_run", "LoadedModel"),
    "goodfit.checks": ("check", "Finding"),
    "goodfit.report": ("write_report",),
    "goodfit.report.explore": ("explore",),
    "goodfit.watch": ("watch",),
    "goodfit.serve.widget": ("draw",),
    "goodfit.generative": ("GENERATORS", "fit_generative"),
    "goodfit.anomaly": ("DETECTORS", "create_detector"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


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
