"""One run is an anecdote: the same config over several seeds, or over k folds, → mean ± std.

- :func:`run_seeds`: the same config with N seeds (sequentially, or ``jobs`` processes at once);
  every metric reported as mean ± std with a per-seed table.
- :func:`run_folds`: stratified k-fold cross-validation on the training data (scaling fitted per
  fold); the test set is not touched at all.

Each study writes a folder ``runs/<name>-seeds-<time>/`` holding one run folder per member,
``summary.json`` and a self-contained ``report.html``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from goodfit.config import Config, config_from_dict, config_to_dict, dump_config
from goodfit.errors import ConfigError
from goodfit.run import RunDir, environment_meta
from goodfit.workers import call_in_worker, die_with_parent

__all__ = ["StudyResult", "run_seeds", "run_folds", "run_configs", "mean_std", "summary_metrics"]


@dataclass
class StudyResult:
    """Members' run folders and metrics, and the ``mean ± std`` of each metric."""

    study_dir: Path
    labels: list[str]
    runs: list[dict[str, Any]]  # {"run_dir": ..., "metrics": ..., "history": ...}
    summary: dict[str, dict[str, float]] = field(default_factory=dict)


def mean_std(values: Sequence[float]) -> dict[str, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single value).

    Examples:
        >>> mean_std([0.9, 0.92, 0.94])
        {'mean': 0.92, 'std': 0.02, 'n': 3}
    """
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not vals:
        return {"mean": float("nan"), "std": float("nan"), "n": 0}
    m = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - m) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
    return {"mean": round(m, 12), "std": round(sd, 12), "n": len(vals)}


def _fit_member(cfg_dict: dict[str, Any], threads: int | None) -> dict[str, Any]:
    """Run one member (in this process or a worker process); returns plain data."""
    import torch

    from goodfit.launch.ddp import run_fit

    if threads:
        torch.set_num_threads(threads)
    result = run_fit(config_from_dict(cfg_dict), progress="quiet")
    return {"run_dir": str(result.run_dir), "metrics": result.metrics, "history": result.history}


def run_configs(configs: Sequence[Config], labels: Sequence[str], *, study_dir: Path, jobs: int = 1,
                progress: bool = True) -> list[dict[str, Any]]:
    """Fit each config into ``study_dir`` (its own run folder each), ``jobs`` at a time."""
    payloads = [config_to_dict(dataclasses.replace(c, out_dir=str(study_dir))) for c in configs]
    if jobs <= 1:
        out = []
        for label, payload in zip(labels, payloads):
            out.append(_fit_member(payload, None))
            if progress:
                _report_member(label, out[-1])
        return out
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=die_with_parent) as pool:
        futures = [pool.submit(call_in_worker, _fit_member, p, threads) for p in payloads]
        out = []
        for label, fut in zip(labels, futures):
            out.append(fut.result())
            if progress:
                _report_member(label, out[-1])
        return out


def _report_member(label: str, member: dict[str, Any]) -> None:
    import sys

    m = member["metrics"]
    name = m.get("score", "accuracy")
    score = m.get("test", m.get("valid", {})).get(name, float("nan"))
    print(f"{label}: {m['status']}, {name} {score:.4f} ({member['run_dir']})", file=sys.stderr, flush=True)


def summary_metrics(metrics: dict[str, Any]) -> tuple[str, ...]:
    """The metrics a study reports for a run's task, its score first (accuracy, F1, loss for classes)."""
    from goodfit.tasks import TASKS

    return TASKS.create(metrics.get("task", "classification")).summary


def _summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    keys = summary_metrics(runs[0]["metrics"]) if runs else ()
    for split in ("valid", "test"):
        for key in keys:
            values = [r["metrics"].get(split, {}).get(key) for r in runs]
            if any(v is not None for v in values):
                summary[f"{split}_{key}"] = mean_std([v for v in values if v is not None])
    return summary


def _new_study(config: Config, kind: str) -> RunDir:
    study = RunDir.create(config.out_dir, f"{config.name}-{kind}")
    dump_config(config, study.path / "config.yaml", extra={"meta": {**environment_meta(), "study": kind}})
    return study


def _finish(study: RunDir, config: Config, kind: str, labels: list[str], runs: list[dict]) -> StudyResult:
    result = StudyResult(study.path, labels, runs, _summarize(runs))
    study.write_json("summary.json", {
        "kind": kind, "summary": result.summary,
        "runs": [{"label": lab, "run_dir": r["run_dir"], "status": r["metrics"]["status"],
                  "valid": r["metrics"].get("valid"), "test": r["metrics"].get("test")}
                 for lab, r in zip(labels, runs)],
    })
    from goodfit.report.study import write_study_report

    write_study_report(study.path, result, title=f"{config.name}: {kind}")
    return result


def run_seeds(config: Config, seeds: int | Sequence[int], *, jobs: int = 1, progress: bool = True) -> StudyResult:
    """The same config with several seeds (``seeds=5`` → seeds ``config.seed .. config.seed+4``).

    The train/valid split stays fixed (``data.split_seed``); the seed changes initialization,
    batch order, dropout and augmentation: the spread you see is the training's own.
    """
    seed_list = list(range(config.seed, config.seed + seeds)) if isinstance(seeds, int) else list(seeds)
    if len(seed_list) < 2:
        raise ConfigError("--seeds needs at least 2 seeds to report a spread")
    study = _new_study(config, "seeds")
    labels = [f"seed {s}" for s in seed_list]
    configs = [dataclasses.replace(config, seed=s, name=f"seed{s}") for s in seed_list]
    return _finish(study, config, "seeds", labels, run_configs(configs, labels, study_dir=study.path, jobs=jobs,
                                                               progress=progress))


def run_folds(config: Config, k: int, *, jobs: int = 1, progress: bool = True) -> StudyResult:
    """Stratified ``k``-fold cross-validation on the training data; the test set is never evaluated."""
    if k < 2:
        raise ConfigError("--folds needs k >= 2")
    study = _new_study(config, "folds")
    labels = [f"fold {i + 1}/{k}" for i in range(k)]
    configs = [dataclasses.replace(config, name=f"fold{i + 1}",
                                   data=dataclasses.replace(config.data, folds=k, fold=i),
                                   train=dataclasses.replace(config.train, evaluate_test=False))
               for i in range(k)]
    return _finish(study, config, "folds", labels, run_configs(configs, labels, study_dir=study.path, jobs=jobs,
                                                               progress=progress))
