"""Hyperparameter search with Optuna: select on the validation split, test the winner once.

A search lives in one study folder ``runs/<name>-search-<time>/``::

    search.json        what to search (base config, grid or space, budget, storage URL)
    study.db           the Optuna storage (SQLite), unless ``storage`` names another database
    trials/trial-NNNN/ one run folder per trial (``train.evaluate_test=false``: test untouched)
    final-trialNNNN/   the best config retrained on train+valid, test set evaluated exactly once
    summary.json, report.html

Workers (local processes, or Slurm array tasks) all call :func:`run_worker` on the folder and
pull trials from the shared storage; a stopped search resumes with ``search(None, resume=dir)``
and runs only what is missing (finished grid points and trials are never repeated).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from goodfit.config import (
    CONFIG_VERSION,
    Config,
    apply_overrides,
    config_from_saved,
    config_to_dict,
    dump_config,
)
from goodfit.errors import ConfigError, GoodfitError, RunDirError
from goodfit.run import RunDir, atomic_write_json, environment_meta
from goodfit.search.space import check_space, grid_size, suggest, to_override
from goodfit.search.tracking import close_parent, known_parent, parent_run
from goodfit.workers import call_in_worker, die_with_parent

__all__ = [
    "search",
    "run_worker",
    "run_workers",
    "create_search",
    "load_study",
    "finish_search",
    "prepare_resume",
    "enqueue_missing",
    "SearchResult",
    "PRUNERS",
]

PRUNERS = ("median", "hyperband", "none")
STUDY_NAME = "goodfit"
TRIAL_OVERRIDES = ("train.evaluate_test=false",)
RETRAIN_OVERRIDES = (
    "data.valid_fraction=0",
    "train.evaluate_test=true",
    "train.select=last",
    "train.patience=0",
    "train.target=null",
)


@dataclass
class SearchResult:
    """The study folder, its trials, the best (valid) trial and the final test of its retrained config."""

    study_dir: Path
    trials: list[dict[str, Any]]
    best: dict[str, Any] | None
    final: dict[str, Any] | None = None  # metrics of the retrained best config (test evaluated once)
    counts: dict[str, int] = field(default_factory=dict)


def create_search(
    config: Config,
    *,
    grid: dict[str, list] | None = None,
    space: dict[str, dict] | None = None,
    trials: int = 20,
    storage: str | None = None,
    pruner: str | None = None,
    seed: int = 0,
) -> Path:
    """Make the study folder and its ``search.json``; return the folder (nothing is trained yet).

    ``pruner`` None: ``none`` for a grid (every point is to be seen), ``median`` for TPE.
    """
    if (grid is None) == (space is None):
        raise ConfigError("give either a grid (--grid key=v1,v2) or a space (--space search.yaml)")
    pruner = pruner or ("none" if grid is not None else "median")
    if pruner not in PRUNERS:
        raise ConfigError(f"--pruner {pruner!r} is not known; choose one of {', '.join(PRUNERS)}")
    space = check_space(_grid_space(grid) if grid is not None else space or {})
    if grid is not None:  # tuple choices as Optuna stores them, e.g. model.hidden (64, 64) -> "64,64"
        grid = {key: spec["choices"] for key, spec in space.items()}
    if storage:
        check_storage(storage)  # before the study folder: a bad URL leaves nothing behind
    study = RunDir.create(config.out_dir, f"{config.name}-search")
    dump_config(config, study.path / "config.yaml", extra={"meta": {**environment_meta(), "study": "search"}})
    spec = {
        "base": config_to_dict(config),
        "config_version": CONFIG_VERSION,
        "kind": "grid" if grid is not None else "tpe",
        "space": space,
        "grid": grid,
        "trials": grid_size(grid) if grid is not None else int(trials),
        "pruner": pruner,
        "seed": seed,
        "storage": storage or f"sqlite:///{study.path.resolve() / 'study.db'}",
    }
    atomic_write_json(study.path / "search.json", spec)
    optuna_study = load_study(study.path)  # creates the Optuna study (and fails now on a bad storage URL)
    if grid is not None:
        enqueue_missing(optuna_study, spec)
    return study.path


def check_storage(url: str) -> None:
    """Connect to the Optuna storage ``url`` (creating its tables); a one-line ConfigError if that fails."""
    import optuna

    try:
        optuna.storages.RDBStorage(url)
    except ImportError:
        raise ConfigError(f"--storage {url}: its database driver is not installed; for PostgreSQL "
                          "pip install 'goodfit[postgres]' (psycopg), for MySQL pip install pymysql") from None
    except Exception as exc:  # SQLAlchemy's errors (bad URL, refused connection, unknown database)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"--storage {url} cannot be used: {first}") from None


INTERRUPTED = "interrupted_trials"  # study user attr: numbers of trials a killed worker left unfinished


def _fail_interrupted(study: Any) -> None:
    """Trials left RUNNING by a killed worker: FAIL, and listed as interrupted (not counted, run again)."""
    from optuna.trial import TrialState

    running = [t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]
    if running:
        study.set_user_attr(INTERRUPTED, sorted({*study.user_attrs.get(INTERRUPTED, []), *running}))
    for number in running:
        study.tell(number, state=TrialState.FAIL)


def interrupted(study: Any, t: Any) -> bool:
    """Whether trial ``t`` was cut off (Ctrl-C, a killed worker) rather than run to its end."""
    return bool(t.user_attrs.get("interrupted")) or t.number in study.user_attrs.get(INTERRUPTED, [])


def _points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    import itertools

    keys = list(spec["grid"])
    choices = [spec["grid"][k] for k in keys]
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*choices)]


def enqueue_missing(study: Any, spec: dict[str, Any]) -> int:
    """Queue every grid point without a finished or waiting trial; return how many were queued.

    Workers pop queued trials atomically from the storage, so parallel workers never run one point
    twice. Trials left RUNNING by a killed worker are marked FAIL ("interrupted") and queued again:
    call this only when no worker of the study is running (at creation and on resume).
    """
    from optuna.trial import TrialState

    _fail_interrupted(study)
    seen = []
    for t in study.get_trials(deepcopy=False):
        if t.state == TrialState.WAITING:
            seen.append(t.system_attrs.get("fixed_params", {}))
        elif not interrupted(study, t) and not t.user_attrs.get("surplus"):
            seen.append(dict(t.params))
    queued = 0
    for point in _points(spec):
        if point not in seen:
            study.enqueue_trial(point, skip_if_exists=False)
            queued += 1
    return queued


def _grid_space(grid: dict[str, list]) -> dict[str, dict]:
    return {key: {"type": "categorical", "choices": list(choices)} for key, choices in grid.items()}


def _spec(study_dir: Path) -> dict[str, Any]:
    import json

    path = Path(study_dir) / "search.json"
    if not path.is_file():
        raise RunDirError(f"{study_dir} has no search.json; pass a folder made by goodfit search")
    return json.loads(path.read_text())


def load_study(study_dir: str | Path, *, worker: int = 0) -> Any:
    """The Optuna study of a search folder (created on first use, loaded afterwards)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec = _spec(Path(study_dir))
    if spec["kind"] == "grid":
        sampler = optuna.samplers.RandomSampler(seed=spec["seed"] + worker)  # grid points are enqueued
    else:
        sampler = optuna.samplers.TPESampler(
            seed=spec["seed"] + worker, n_startup_trials=min(10, max(3, spec["trials"] // 3))
        )
    epochs = spec["base"]["train"]["epochs"]
    pruner = {
        "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(epochs, 2)),
        "none": optuna.pruners.NopPruner,
    }[spec["pruner"]]()
    return optuna.create_study(
        storage=spec["storage"],
        study_name=STUDY_NAME,
        direction="maximize",
        sampler=sampler,
        pruner=pruner,
        load_if_exists=True,
    )


def _remaining(study: Any, spec: dict[str, Any]) -> int:
    """Trials still to start: queued grid points, or the budget minus trials finished or running."""
    from optuna.trial import TrialState

    if spec["kind"] == "grid":
        return len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))
    taken = [t for t in study.get_trials(deepcopy=False) if t.state != TrialState.WAITING]
    return spec["trials"] - sum(not interrupted(study, t) for t in taken)


@contextlib.contextmanager
def _ask_lock(study_dir: Path) -> Iterator[None]:
    """One worker at a time takes its next trial: SQLite does not lock the queued trial a worker pops,
    so two processes could pop the same one. (A server database locks the row itself; the file lock
    then orders only the workers that share this folder.)"""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one worker per study folder there
        yield
        return
    with open(study_dir / ".ask.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_worker(study_dir: str | Path, *, worker: int = 0, threads: int | None = None) -> int:
    """Pull trials from the study's storage until the grid or the budget is done; return how many ran here.

    Several workers may run at once (processes, Slurm array tasks) on a storage they can all reach.
    """
    if threads:
        import torch

        torch.set_num_threads(threads)
    study_dir = Path(study_dir).resolve()
    spec = _spec(study_dir)
    study = load_study(study_dir, worker=worker)
    if _remaining(study, spec) <= 0:
        return 0
    with _ask_lock(study_dir):
        spec["mlflow_parent"] = parent_run(study_dir, spec)  # train.tracking=mlflow: the study's MLflow run
    ran = 0
    while True:
        with _ask_lock(study_dir):
            if _remaining(study, spec) <= 0:
                break
            trial = study.ask()
        ran += 1
        _run_trial(study, trial, spec, study_dir)
    return ran


def _run_trial(study: Any, trial: Any, spec: dict[str, Any], study_dir: Path) -> None:
    """Train one trial and tell the study how it ended: its valid score, pruned, failed (a diverged run
    or a user error) or interrupted (Ctrl-C or a crash: failed, listed, run again on resume)."""
    import optuna
    from optuna.trial import TrialState

    try:
        value = _objective(trial, spec, study_dir)
    except optuna.TrialPruned:
        study.tell(trial, state=TrialState.PRUNED)
        return
    except GoodfitError as exc:
        trial.set_user_attr("error", str(exc))
        study.tell(trial, state=TrialState.FAIL)
        return
    except BaseException:
        trial.set_user_attr("interrupted", True)
        study.tell(trial, state=TrialState.FAIL)
        raise
    if math.isnan(value):  # diverged: a failed trial, not a crash of the study
        study.tell(trial, state=TrialState.FAIL)
    else:
        study.tell(trial, value)



def _base(spec: dict[str, Any]) -> Config:
    """The study's base config, as saved in its spec (by this goodfit or an older one)."""
    return config_from_saved(spec["base"], spec.get("config_version"))

def _objective(trial: Any, spec: dict[str, Any], study_dir: Path) -> float:
    from goodfit.experiment import fit
    from goodfit.search.pruning import PruneOnValid

    params = suggest(trial, spec["space"])
    run_dir = study_dir / "trials" / f"trial-{trial.number:04d}"
    trial.set_user_attr("run_dir", str(run_dir))
    cfg = apply_overrides(
        _base(spec), [*(to_override(k, v) for k, v in params.items()), *TRIAL_OVERRIDES]
    )
    result = fit(cfg, run_dir=run_dir, progress="quiet", callbacks=[PruneOnValid(trial)], report=False,
                 tracking_parent=spec.get("mlflow_parent"))
    trial.set_user_attr("status", result.status)
    trial.set_user_attr("epochs_run", result.metrics["epochs_run"])
    trial.set_user_attr("score", result.metrics.get("score", "accuracy"))
    if result.status == "interrupted":  # Ctrl-C: stop the search; a resume runs this trial again
        raise KeyboardInterrupt
    if result.status != "completed":  # diverged: a failed trial (NaN), not a crash of the study
        return float("nan")
    return float(result.metrics["valid"][result.metrics.get("score", "accuracy")])


def search(
    config: Config | None,
    *,
    grid: dict[str, list] | None = None,
    space: dict[str, dict] | None = None,
    trials: int = 20,
    storage: str | None = None,
    jobs: int = 1,
    pruner: str | None = None,
    seed: int = 0,
    resume: str | Path | None = None,
    retrain: bool = True,
    progress: bool = True,
) -> SearchResult:
    """Search a ``grid`` (all points) or a ``space`` (``trials`` TPE trials); test the best config once.

    Examples:
        >>> from goodfit import Config, apply_overrides
        >>> cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=1", "model.hidden=16",
        ...     "train.monitors=false", "train.check=false", "out_dir=/tmp/goodfit-doc"])
        >>> res = search(cfg, grid={"optim.lr": [1e-3, 1e-2]}, progress=False)
        >>> len(res.trials), "test" in res.final
        (2, True)
    """
    if resume is None:
        if config is None:
            raise ConfigError("search needs a config, or resume=STUDY_DIR to continue a search")
        study_dir = create_search(
            config, grid=grid, space=space, trials=trials, storage=storage, pruner=pruner, seed=seed
        )
    else:
        study_dir = Path(resume)
        prepare_resume(study_dir)
    if progress:
        print(f"study: {study_dir}", flush=True)
    run_workers(study_dir, jobs=jobs)
    return finish_search(study_dir, retrain=retrain, progress=progress)


def prepare_resume(study_dir: str | Path) -> None:
    """Before workers resume a stopped search: trials a killed worker left RUNNING become FAIL
    ("interrupted", not counted in the budget); their grid points are queued again."""
    spec = _spec(Path(study_dir))
    study = load_study(study_dir)
    if spec["kind"] == "grid":
        enqueue_missing(study, spec)
    else:
        _fail_interrupted(study)


def run_workers(study_dir: Path, *, jobs: int = 1) -> None:
    """Run ``jobs`` local workers on the study (in this process when ``jobs == 1``)."""
    if jobs <= 1:
        run_worker(study_dir)
        return
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=die_with_parent) as pool:
        for fut in [pool.submit(call_in_worker, run_worker, str(study_dir), worker=i, threads=threads)
                    for i in range(jobs)]:
            fut.result()


def finish_search(study_dir: str | Path, *, retrain: bool = True, progress: bool = True) -> SearchResult:
    """Summarize the trials, retrain the best on train+valid (test once), write summary.json, report.html."""
    study_dir = Path(study_dir)
    spec = _spec(study_dir)
    study = load_study(study_dir)
    numbers = set(study.user_attrs.get(INTERRUPTED, []))
    rows = [_trial_row(t, numbers) for t in study.get_trials(deepcopy=False) if not t.user_attrs.get("surplus")]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    done = [r for r in rows if r["state"] == "COMPLETE" and r["value"] is not None]
    best = max(done, key=lambda r: (r["value"], -r["number"])) if done else None
    final = _retrain(study_dir, spec, best) if retrain and best is not None else None
    result = SearchResult(study_dir, rows, best, final, counts)
    atomic_write_json(
        study_dir / "summary.json",
        {"kind": spec["kind"], "counts": counts, "best": best, "final": final, "trials": rows},
    )
    from goodfit.report.search import write_search_report

    write_search_report(study_dir, result, study=study, spec=spec)
    close_parent(study_dir, {"counts": counts, "best": best, "final": final})
    if progress:
        print(f"trials: {counts}; best valid {score_name(rows)} {best['value'] if best else float('nan'):.4f}",
              flush=True)
    return result


def score_name(rows: list[dict[str, Any]]) -> str:
    """The metric the trials were selected on (the task's score: accuracy, auroc, r2, psnr)."""
    return next((r["score"] for r in rows if r.get("score")), "accuracy")


def _trial_row(t: Any, interrupted_numbers: set[int]) -> dict[str, Any]:
    duration = (t.datetime_complete - t.datetime_start).total_seconds() if t.datetime_complete else None
    return {
        "number": t.number,
        "state": t.state.name,
        "value": t.value,
        "params": dict(t.params),
        "epochs": t.user_attrs.get("epochs_run", t.last_step),
        "duration_s": duration,
        "run_dir": t.user_attrs.get("run_dir"),
        "interrupted": bool(t.user_attrs.get("interrupted") or t.number in interrupted_numbers),
        "score": t.user_attrs.get("score"),
    }


def _retrain(study_dir: Path, spec: dict[str, Any], best: dict[str, Any]) -> dict[str, Any]:
    """The best params on train+valid (``data.valid_fraction=0``), the test set evaluated exactly once."""
    import json

    from goodfit.experiment import fit

    run_dir = study_dir / f"final-trial{best['number']:04d}"
    earlier = json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
    if earlier.get("status") == "completed":  # a resumed search: this winner was already tested
        metrics = earlier
    elif (run_dir / "config.yaml").is_file():  # a retrain that was killed or interrupted: it goes on
        metrics = fit(None, resume=run_dir, progress="quiet", tracking_parent=known_parent(study_dir)).metrics
    else:
        cfg = apply_overrides(
            _base(spec),
            [*(to_override(k, v) for k, v in best["params"].items()), *RETRAIN_OVERRIDES],
        )
        metrics = fit(dataclasses.replace(cfg, name="final"), run_dir=run_dir, progress="quiet",
                      tracking_parent=known_parent(study_dir)).metrics
    return {
        "run_dir": str(run_dir),
        "trial": best["number"],
        "params": best["params"],
        "status": metrics["status"],
        "train": metrics.get("train"),
        "test": metrics.get("test"),
    }
