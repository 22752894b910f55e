"""The course's regularization experiment as one call: the same over-parameterized model with
none / L1 / L2 / dropout / batch norm / augmentation / early stopping, each over several seeds.

The default is deliberately easy to overfit (a wide MLP on 500 training digits), so the effect
of each regularizer is visible; every variant is evaluated on the same validation split and the
test set once per run. The result is a table with mean ± std and train-vs-valid curves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goodfit.config import Config, apply_overrides, dump_config
from goodfit.errors import ConfigError
from goodfit.robust import mean_std, run_configs
from goodfit.run import RunDir, environment_meta

__all__ = ["VARIANTS", "BASE_OVERRIDES", "RegularizeResult", "regularize", "regularize_config"]

BASE_OVERRIDES = (
    "name=regularize", "data.name=mnist-5k", "data.train_subset=500", "model.hidden=512,512",
    "optim.lr=1e-3", "train.epochs=40", "train.batch_size=64", "train.select=last",
)

# variant -> overrides on top of the base; "none" trains the base as is and keeps the last weights
VARIANTS: dict[str, tuple[str, ...]] = {
    "none": (),
    "l1": ("optim.l1=2e-5",),
    "l2": ("optim.name=adamw", "optim.weight_decay=0.5"),
    "dropout": ("model.dropout=0.5",),
    "batchnorm": ("model.batchnorm=true",),
    "augment": ("data.augment=shift",),
    "early-stopping": ("train.patience=5", "train.select=best"),
}


@dataclass
class RegularizeResult:
    study_dir: Path
    table: list[dict[str, Any]]  # one row per variant: mean ± std of each metric
    runs: dict[str, list[dict[str, Any]]]


def regularize_config(overrides: Sequence[str] = ()) -> Config:
    """The experiment's base config, with the user's overrides applied on top (the base's MLP widths
    only where the user's model takes ``model.hidden``)."""
    from goodfit.models import model_options

    chosen = apply_overrides(Config(), [o for o in overrides if o.startswith("model.name=")]).model.name
    takes_hidden = "hidden" in model_options(chosen)
    base = [o for o in BASE_OVERRIDES if takes_hidden or not o.startswith("model.hidden=")]
    return apply_overrides(Config(), [*base, *overrides])


def _model_takes(config: Config, overrides: Sequence[str]) -> bool:
    """Whether the run's model uses every ``model.*`` option in ``overrides`` (resnet18 has no dropout)."""
    from goodfit.models import model_options

    used = model_options(config.model.name)
    return all(o.split("=", 1)[0].split(".")[1] in used for o in overrides if o.startswith("model."))


def _row(variant: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± std over the variant's seeds of the task's score (accuracy, AUROC, R², PSNR) per split, the
    train-minus-valid gap of that score, and the valid loss."""
    score = next((r["metrics"]["score"] for r in runs if "score" in r["metrics"]), "accuracy")

    def get(split: str, key: str = score) -> list[float]:
        return [r["metrics"][split][key] for r in runs if split in r["metrics"] and key in r["metrics"][split]]

    gaps = [r["metrics"]["train"][score] - r["metrics"]["valid"][score]
            for r in runs if score in r["metrics"].get("train", {}) and score in r["metrics"].get("valid", {})]
    return {"variant": variant, "score": score, "train": mean_std(get("train")), "valid": mean_std(get("valid")),
            "test": mean_std(get("test")), "gap": mean_std(gaps), "valid_loss": mean_std(get("valid", "loss"))}


def _augmentable(config: Config) -> bool:
    """Image classifiers take shift augmentation; tables and array-to-array tasks do not."""
    from goodfit.data import dataset_from_config

    if config.data.task in ("reconstruction", "denoising"):
        return False
    return dataset_from_config(config.data).kind == "image"


def regularize(config: Config | None = None, *, seeds: int = 3, variants: Sequence[str] | None = None,
               jobs: int = 1, progress: bool = True) -> RegularizeResult:
    """Run every variant over ``seeds`` seeds and write the comparison into a new study folder."""
    config = config or regularize_config()
    names = list(variants) if variants else list(VARIANTS)
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        raise ConfigError(f"unknown variant {unknown[0]!r}; choose from {', '.join(VARIANTS)}")
    if seeds < 2:
        raise ConfigError("regularize needs --seeds >= 2 to tell an effect from noise")
    if "augment" in names and not _augmentable(config):
        if variants:
            raise ConfigError(f"the augment variant shifts images; {config.data.name} with data.task="
                              f"{config.data.task} has none to shift: leave it out of --variants")
        names.remove("augment")  # tables, denoising: augmentation does not apply
    for v in [v for v in names if not _model_takes(config, VARIANTS[v])]:
        if variants:
            raise ConfigError(f"the {v} variant sets {' '.join(VARIANTS[v])}, which {config.model.name} does not "
                              "take: leave it out of --variants")
        names.remove(v)  # e.g. resnet18 has no dropout option
    study = RunDir.create(config.out_dir, f"{config.name}-compare")
    dump_config(config, study.path / "config.yaml", extra={"meta": {**environment_meta(), "study": "regularize"}})
    configs, labels = [], []
    for v in names:
        base = apply_overrides(config, list(VARIANTS[v]))
        for s in range(config.seed, config.seed + seeds):
            configs.append(dataclasses.replace(base, seed=s, name=f"{v}-seed{s}"))
            labels.append(f"{v} seed {s}")
    members = run_configs(configs, labels, study_dir=study.path, jobs=jobs, progress=progress)
    runs = {v: members[i * seeds:(i + 1) * seeds] for i, v in enumerate(names)}
    table = [_row(v, runs[v]) for v in names]
    study.write_json("summary.json", {"variants": {v: list(VARIANTS[v]) for v in names}, "table": table})
    from goodfit.report.regularize import write_regularize_report

    write_regularize_report(study.path, table, runs)
    return RegularizeResult(study.path, table, runs)
