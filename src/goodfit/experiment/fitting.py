"""One experiment end to end: config → data → model → train → test once → files → report.

This is what ``goodfit train`` and ``goodfit.fit`` run. The test split is evaluated exactly once,
after training, with the weights that were best on the validation split; ``metrics.json``
records when, and ``goodfit evaluate --split test`` on a finished run counts every further look.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.config import CONFIG_VERSION, Config, config_to_dict, dump_config, load_config
from goodfit.data import PreparedData, Split, prepare_data
from goodfit.errors import CheckError, ConfigError, RunDirError, TrainingError
from goodfit.experiment.batches import make_batches
from goodfit.experiment.finish import baseline_inputs, finish_run, save_findings, to_device, write_report_safely
from goodfit.experiment.lr_find import resolve_lr, save_lr_find
from goodfit.findings import Finding
from goodfit.models import MODELS, create_model, init_from_data
from goodfit.run import RunDir, environment_meta
from goodfit.tracking import MLflowTracker, check_available, trackers
from goodfit.train import distributed
from goodfit.train.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    HistoryWriter,
    Progress,
    TrainState,
    restore_training,
)
from goodfit.train.callbacks.lookahead import Lookahead
from goodfit.train.callbacks.trajectory import Trajectory
from goodfit.train.device import (
    amp_dtype,
    place_model,
    resolve_device,
    resolve_dtype,
    seed_everything,
    set_deterministic,
)
from goodfit.train.distributed import Rank
from goodfit.train.evaluate import check_tta
from goodfit.train.loop import train_loop
from goodfit.train.memory import reused_memory
from goodfit.train.optim import build_optimizer, build_scheduler
from goodfit.train.signals import interrupted_message, stop_on_signals

__all__ = ["fit", "FitResult"]

@dataclass
class FitResult:
    """What :func:`fit` returns: the run folder, per-epoch history and final metrics."""

    run_dir: Path
    history: list[dict[str, float]]
    metrics: dict[str, Any]
    model: nn.Module | None = field(repr=False)  # None from a launcher whose rank 0 runs on another node
    findings: list[Finding] = field(default_factory=list)  # lint, monitors, curve diagnosis
    rank: int = 0  # data parallel: only rank 0's result holds the run's metrics, the others just a status

    @property
    def status(self) -> str:
        return self.metrics["status"]


def fit(
    config: Config | None,
    *,
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    progress: str = "auto",
    callbacks: Sequence[Callback] = (),
    report: bool = True,
    tracking_parent: str | None = None,
) -> FitResult:
    """Train ``config`` in a new run folder (or continue the run ``resume``) and evaluate it.

    ``fit`` trains in this process: a process that torchrun, ``srun`` or
    :func:`goodfit.launch_fit` started trains one rank of a data-parallel run (docs/distributed.md).
    ``train.nproc > 1`` needs those processes: :func:`goodfit.launch_fit` starts them.
    ``tracking_parent``: with ``train.tracking=mlflow``, the MLflow run this one is logged under (a
    search study's parent run).

    Examples:
        >>> from goodfit import Config, apply_overrides
        >>> cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=10", "out_dir=/tmp/goodfit-doc"])
        >>> result = fit(cfg, progress="quiet", report=False)
        >>> result.metrics["test"]["accuracy"] > 0.85
        True
    """
    if resume is None and config is None:
        raise ConfigError("fit needs a config, or resume=RUN to continue a run")
    if config is not None and not isinstance(config, Config):
        raise ConfigError(f"fit needs a goodfit.Config, not {type(config).__name__}; build one with "
                          "apply_overrides(Config(), ['key=value', ...]) or load_config('run.yaml')")
    with contextlib.ExitStack() as hold:  # the run folder's lock, once there is a folder
        run, restart, locked = None, False, False
        if resume is not None:
            run = RunDir.open(resume)
            if distributed.env_rank() == 0:
                locked = bool(hold.enter_context(run.lock()))
            restart = _check_resumable(run)
            config = load_config(run.path / "config.yaml")
        return _fit(config, run, hold, resume=resume is not None and not restart, locked=locked, run_dir=run_dir,
                    progress=progress, callbacks=callbacks, report=report, tracking_parent=tracking_parent)


def _check_resumable(run: RunDir) -> bool:
    """Whether ``run`` must start over in place (no checkpoint to continue from); an error if it has
    completed (a resume would look at its test set again)."""
    if (run.path / "metrics.json").is_file() and run.read_json("metrics.json").get("status") == "completed":
        missing = "" if (run.path / "report.html").is_file() else f"; write its report with goodfit report {run.path}"
        raise RunDirError(f"{run.path} has completed; there is nothing to resume (its test set was looked at "
                          f"once, and a resume must not look again). Evaluate it, or start a new run{missing}")
    # no last.pt: killed before its first checkpoint (or train.checkpoint=false): nothing to continue
    # from, so it starts again in the same folder; its history is rewritten from the first epoch
    return not (run.checkpoints / "last.pt").is_file()


def _fit(config: Config, run: RunDir | None, hold: contextlib.ExitStack, *, resume: bool, locked: bool,
         run_dir: str | Path | None, progress: str, callbacks: Sequence[Callback], report: bool,
         tracking_parent: str | None) -> FitResult:
    """:func:`fit` once its run folder (if any) is opened and locked."""
    MODELS.get(config.model.name)  # fail on a typo or a taken folder before minutes of data loading
    hold.enter_context(reused_memory(config.train.reuse_memory))  # data, training and evaluation alike
    check_available(config)  # a tracker's missing package: one line now, not after the data are loaded
    if run is None and run_dir is not None and distributed.env_rank() == 0:
        RunDir.ensure_new(run_dir)
    if config.train.nproc > 1 and not distributed.is_worker():
        raise ConfigError(f"train.nproc={config.train.nproc} trains on {config.train.nproc} processes: start them "
                          "with goodfit.launch_fit(config) (or goodfit train --nproc); fit() trains in this process")
    device = resolve_device(config.train.device)
    joined = distributed.join(device)  # None: this process trains alone
    rank, device = joined if joined else (None, device)
    _check_world(config, rank)
    set_deterministic(config.train.deterministic)
    seed_everything(config.seed)
    data, run, lint, config = _prepare(config, run, rank, run_dir=run_dir, progress=progress, lint=not resume)
    if rank is None or rank.is_main:
        if not locked:
            hold.enter_context(run.lock())
        if resume:  # the data loaded: training goes on, and the old report (of the interruption) goes
            (run.path / "report.html").unlink(missing_ok=True)
    result = _train_and_finish(config, data, run, device, rank=rank, progress=progress, callbacks=callbacks,
                               resume=resume, report=report, lint=lint, tracking_parent=tracking_parent)
    distributed.leave(rank)  # not on an error: the process group stays up until the launcher stops the other ranks
    return result


def _check_world(config: Config, rank: Rank | None) -> None:
    if rank is not None and config.train.batch_size % rank.world_size:
        bs, n = config.train.batch_size, rank.world_size
        raise ConfigError(f"train.batch_size={bs} does not split evenly over {n} processes; "
                          f"use a multiple of {n} such as {max(n, bs - bs % n)}")


def _prepare(config: Config, run: RunDir | None, rank: Rank | None, *, run_dir: str | Path | None,
             progress: str, lint: bool) -> tuple[PreparedData, RunDir, list[Finding], Config]:
    """Data, lint and the run folder. Rank 0 goes first: it may download, and it owns the folder."""
    main = rank is None or rank.is_main
    data, findings = None, []
    if main:
        data = prepare_data(config.data, optim=config.optim)  # before the run folder: bad data leaves nothing
        if config.train.target_metric is None:  # the task's own score: its range is known
            data.task.check_target(config.train.target)
        config, found = resolve_lr(config, data, progress=progress)  # optim.lr=find: the range test decides
        findings = _lint(config, data, progress) if lint and config.train.check else []
        if run is None:
            run = RunDir.create(config.out_dir, config.name, exact=Path(run_dir) if run_dir else None)
            meta = environment_meta()
            if rank is not None:
                meta["distributed"] = {"world_size": rank.world_size, "backend": rank.backend}
            if found is not None:
                meta["lr_find"] = {"suggestion": found.suggestion, "rule": found.rule}
            dump_config(config, run.path / "config.yaml", extra={"meta": meta})
        if found is not None:
            save_lr_find(run.path, found)
        if findings:  # kept from the start: a resume does not lint again, and reads them back
            save_findings(run, findings, [], [], chance_loss=float("nan"), diverged=False, diagnose=False)
    if rank is not None:
        run = RunDir(rank.broadcast(str(run.path) if main else None))  # the others wait for rank 0 here
        data = data if main else prepare_data(config.data, optim=config.optim)
    return data, run, findings, config


def _lint(config: Config, data: PreparedData, progress: str) -> list[Finding]:
    """The pitfall lint before training: errors stop the run, warnings are shown and kept."""
    from goodfit.checks import lint_config

    with torch.random.fork_rng(devices=[]):  # its probe model must not shift the run's random stream
        findings = lint_config(config, data=data)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CheckError(f"pitfall lint: {str(errors[0]).rstrip('.')}{more}. Fix it, or skip the lint with --no-check")
    if progress != "quiet":
        for f in findings:
            print(f, file=sys.stderr)
    return findings


def _train_and_finish(config: Config, data: PreparedData, run: RunDir, device: torch.device, *,
                      rank: Rank | None, progress: str, callbacks: Sequence[Callback], resume: bool,
                      report: bool, lint: list[Finding], tracking_parent: str | None = None) -> FitResult:
    main = rank is None or rank.is_main  # rank 0 alone validates, logs, checkpoints, tests and reports
    task, dtype = data.task, resolve_dtype(config.train.dtype)
    check_tta(config.train.tta, data.input_shape, data.output_shape)  # used after training: fail before it
    model = create_model(config.model, input_shape=data.input_shape, output_shape=data.output_shape)
    model = init_from_data(place_model(model, device, dtype), data.train.x, seed=config.seed)
    untrained = copy.deepcopy(model.state_dict())
    batches = make_batches(config, data, device, dtype, rank)
    if config.train.compile:
        model.compile()  # in place: the same module, its forward compiled on first use
    trainable = model if rank is None else rank.wrap(model, device)  # DDP: rank 0's weights on every rank
    opt = build_optimizer(model, config.optim, device=device)
    total = config.train.epochs * len(batches)
    state = TrainState(trainable, opt, build_scheduler(opt, config.optim, total_steps=total),
                       epochs=config.train.epochs, steps_per_epoch=len(batches), score_key=task.score_key)
    early = EarlyStopping(patience=config.train.patience, min_delta=config.train.min_delta,
                          target=config.train.target, target_key=config.train.target_metric or task.score_key)
    if resume:
        ckpt = restore_training(run.checkpoints / "last.pt", state, model)
        batches.load_state_dict(ckpt["batches"])
        early.load_state_dict(ckpt["early_stopping"])
        untrained = ckpt["untrained"]
    if not main:  # random draws of its own (dropout, augmentation); rank 0 keeps the single-process ones
        torch.manual_seed(config.seed + rank.rank + 1_000_003 * state.epoch)
        if resume:  # the checkpoint holds rank 0's augmentation stream
            batches.aug_generator.manual_seed(config.seed + 1 + rank.rank + 1_000_003 * state.epoch)
    cbs, monitors = [], []
    if main:
        cbs, monitors = _callbacks(config, data, run, device, dtype, early=early, batches=batches,
                                   untrained=untrained, progress=progress, tracking_parent=tracking_parent,
                                   resumed=ckpt if resume else None)
        cbs[-1:-1] = callbacks  # before Progress
    valid = to_device(data.valid, device, dtype) if data.valid is not None and main else None
    status, message = "completed", None
    t0 = time.perf_counter()
    try:
        with stop_on_signals():  # SIGTERM (Slurm, shutdown) and SIGHUP stop like Ctrl-C: saved, resumable
            train_loop(state, batches, valid=valid, task=task, callbacks=cbs, device=device, rank=rank,
                       amp_dtype=amp_dtype(device, config.train.amp), penalty=_penalty(config, model))
    except TrainingError as exc:
        status, message = "diverged", str(exc)
    except KeyboardInterrupt as exc:
        status, message = "interrupted", interrupted_message(exc, state.epoch, run.path)
    train_time = time.perf_counter() - t0
    if not main:
        return FitResult(run.path, state.history, {"status": status, "message": message,
                                                   "stop_reason": state.stop_reason}, model, rank=rank.rank)
    # findings before metrics.json: a run whose metrics say "completed" has all its other files
    findings = save_findings(run, lint, monitors, state.history, chance_loss=_chance_loss(data),
                             underfit_fraction=task.underfit_fraction, diverged=status == "diverged")
    metrics = finish_run(config, data, run, model, untrained, state, device, status=status,
                         message=message, train_time=train_time)
    if report:
        write_report_safely(run.path)
    for cb in cbs:
        if isinstance(cb, MLflowTracker):
            cb.finish(metrics)  # after the files it uploads are written
    return FitResult(run.path, state.history, metrics, model, findings)


def _callbacks(config: Config, data: PreparedData, run: RunDir, device: torch.device, dtype: torch.dtype, *,
               early: EarlyStopping, batches: Any, untrained: dict, progress: str,
               tracking_parent: str | None = None, resumed: dict | None = None) -> tuple[list, list]:
    """Rank 0's callbacks (lookahead, early stopping, history, checkpoints, trackers, monitors,
    progress); ``resumed``: the checkpoint a resumed run restores their states from."""
    monitors = _monitors(config, data, device, dtype)
    lookahead = [Lookahead()] if config.optim.lookahead else []  # first: it syncs the weights the others see
    resumed = resumed or {}
    for group, key in ((monitors, "monitors"), (lookahead, "lookahead")):
        for cb, saved in zip(group, resumed.get(key, [])):
            cb.load_state_dict(saved)
    cbs: list[Callback] = [*lookahead, early, HistoryWriter(run), *monitors]  # monitors before the checkpoint
    if config.train.checkpoint:
        cbs.append(Checkpoint(run.checkpoints, meta=_model_meta(config, data), resume_state=lambda: {
            "batches": batches.state_dict(), "early_stopping": early.state_dict(), "untrained": untrained,
            "monitors": [m.state_dict() for m in monitors], "lookahead": [la.state_dict() for la in lookahead]}))
    if config.train.keep_trajectory:
        cbs.append(Trajectory(run.checkpoints / "trajectory"))
    cbs += trackers(config, run, parent=tracking_parent)
    return [*cbs, Progress(progress)], monitors


def _monitors(config: Config, data: PreparedData, device: torch.device, dtype: torch.dtype) -> list[Callback]:
    if not config.train.monitors:
        return []
    from goodfit.train.callbacks.monitors import Monitors

    idx = np.random.default_rng(config.seed).permutation(len(data.train))[:256]
    x, y = to_device(Split(data.train.x[idx], data.train.y[idx]), device, dtype)
    return [Monitors(x, y, loss_fn=data.task.loss_fn)]


def _chance_loss(data: PreparedData) -> float:
    """The loss of the task's no-skill prediction (ln C for C classes), the level the learning-curve
    diagnosis measures "underfitting" against: on the validation split (the test split without one)."""
    held = data.valid if data.valid is not None else data.test
    if not len(held.y) or not len(data.train.y):
        return float("nan")
    train_y, y = torch.from_numpy(data.train.y), torch.from_numpy(held.y)
    return data.task.baselines(train_y, baseline_inputs(held.x), y)["chance_loss"]


def _penalty(config: Config, model: nn.Module):
    """What the loss adds: ``optim.l1 * sum(|w|)``, and a Keras model's own regularizers
    (``kernel_regularizer``: ``model.losses``), as Keras' ``fit`` adds them."""
    terms = [getattr(model, "keras_losses", None)]  # KerasModule: None without regularizers
    if config.optim.l1 > 0:
        from goodfit.train.penalties import l1_penalty

        terms.append(lambda: config.optim.l1 * l1_penalty(model))
    terms = [t for t in terms if t is not None]
    if len(terms) < 2:
        return terms[0] if terms else None
    return lambda: sum(t() for t in terms)


def _model_meta(config: Config, data: PreparedData) -> dict[str, Any]:
    return {
        "config": config_to_dict(config),
        "config_version": CONFIG_VERSION,
        "classes": list(data.classes),
        "input_shape": list(data.input_shape),
        "output_shape": list(data.output_shape),
        "scaler": data.scaler.state_dict(),
        "task": data.task.state_dict(),
    }
