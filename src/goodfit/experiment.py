"""One experiment end to end: config → data → model → train → test once → files → report.

This is what ``goodfit train`` and ``goodfit.fit`` run. The test split is evaluated exactly once,
after training, with the weights that were best on the validation split; ``metrics.json``
records when, and ``goodfit evaluate --split test`` on a finished run counts every further look.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.checks.findings import Finding
from goodfit.config import Config, config_to_dict, dump_config, load_config
from goodfit.data import PreparedData, prepare_data
from goodfit.errors import CheckError, ConfigError, RunDirError, TrainingError
from goodfit.launch import ddp
from goodfit.metrics import majority_baseline
from goodfit.models import MODELS, create_model
from goodfit.run import RunDir, environment_meta
from goodfit.train.augment import make_augment
from goodfit.train.batching import LoaderBatches, MemoryBatches
from goodfit.train.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    Progress,
    TensorBoard,
    TrainState,
    load_checkpoint,
)
from goodfit.train.device import (
    amp_dtype,
    place_model,
    resolve_device,
    resolve_dtype,
    seed_everything,
    set_deterministic,
)
from goodfit.train.distributed import Rank
from goodfit.train.evaluate import evaluate_split
from goodfit.train.loop import train_loop
from goodfit.train.optim import build_optimizer, build_scheduler

__all__ = ["fit", "FitResult", "load_model", "LoadedModel", "evaluate_run"]

from goodfit.trained import LoadedModel, evaluate_run, load_model  # noqa: E402  (re-exported)

MEMORY_LIMIT_BYTES = 4 << 30  # above this the training split goes through a DataLoader
N_WORST = 25  # worst-classified test images kept for the report


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


class _HistoryWriter(Callback):
    """Rewrites history.csv at each epoch end, so a killed run still has its curves."""

    def __init__(self, run: RunDir) -> None:
        self.run = run

    def on_epoch_end(self, state: TrainState) -> None:
        self.run.write_history(state.history)


def fit(
    config: Config | None,
    *,
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    progress: str = "auto",
    callbacks: Sequence[Callback] = (),
    report: bool = True,
) -> FitResult:
    """Train ``config`` in a new run folder (or continue the run ``resume``) and evaluate it.

    With ``train.nproc > 1`` it trains data-parallel on that many processes and returns rank 0's
    result; a process that torchrun or ``srun`` started trains one rank (docs/distributed.md).

    Example:
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
    run = None
    if resume is not None:
        run = RunDir.open(resume)
        ckpt_path = run.checkpoints / "last.pt"
        if not ckpt_path.is_file():
            raise RunDirError(f"{run.path} has no checkpoints/last.pt to resume from; start a new run instead")
        config = load_config(run.path / "config.yaml")
    MODELS.get(config.model.name)  # fail on a typo or a taken folder before minutes of data loading
    if resume is None and run_dir is not None and ddp.env_rank() == 0:
        RunDir.ensure_new(run_dir)
    if config.train.nproc > 1 and not ddp.is_worker():  # start the ranks; each of them comes back here
        return ddp.launch_fit(config, run_dir=run_dir, resume=resume, progress=progress, report=report,
                              callbacks=callbacks)
    device = resolve_device(config.train.device)
    joined = ddp.join(device)  # None: this process trains alone
    rank, device = joined if joined else (None, device)
    _check_world(config, rank)
    set_deterministic(config.train.deterministic)
    seed_everything(config.seed)
    data, run, lint = _prepare(config, run, rank, run_dir=run_dir, progress=progress)
    result = _train_and_finish(config, data, run, device, rank=rank, progress=progress, callbacks=callbacks,
                               resume=resume is not None, report=report, lint=lint)
    ddp.leave(rank)  # not on an error: the process group stays up until the launcher stops the other ranks
    return result


def _check_world(config: Config, rank: Rank | None) -> None:
    if rank is not None and config.train.batch_size % rank.world_size:
        bs, n = config.train.batch_size, rank.world_size
        raise ConfigError(f"train.batch_size={bs} does not split evenly over {n} processes; "
                          f"use a multiple of {n} such as {max(n, bs - bs % n)}")


def _prepare(config: Config, run: RunDir | None, rank: Rank | None, *, run_dir: str | Path | None,
             progress: str) -> tuple[PreparedData, RunDir, list[Finding]]:
    """Data, lint and the run folder. Rank 0 goes first: it may download, and it owns the folder."""
    main = rank is None or rank.is_main
    data, lint = None, []
    if main:
        data = prepare_data(config.data)  # before the run folder: bad data leaves nothing behind
        lint = _lint(config, data, progress) if run is None and config.train.check else []
        if run is None:
            run = RunDir.create(config.out_dir, config.name, exact=Path(run_dir) if run_dir else None)
            meta = environment_meta()
            if rank is not None:
                meta["distributed"] = {"world_size": rank.world_size, "backend": rank.backend}
            dump_config(config, run.path / "config.yaml", extra={"meta": meta})
    if rank is not None:
        run = RunDir(rank.broadcast(str(run.path) if main else None))  # the others wait for rank 0 here
        data = data if main else prepare_data(config.data)
    return data, run, lint


def _lint(config: Config, data: PreparedData, progress: str) -> list[Finding]:
    """The pitfall lint before training: errors stop the run, warnings are shown and kept."""
    from goodfit.checks import lint_config

    with torch.random.fork_rng(devices=[]):  # its probe model must not shift the run's random stream
        findings = lint_config(config, data=data)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CheckError(f"pitfall lint: {errors[0]}{more}. Fix it, or skip the lint with --no-check")
    if progress != "quiet":
        for f in findings:
            print(f, file=sys.stderr)
    return findings


def _train_and_finish(config: Config, data: PreparedData, run: RunDir, device: torch.device, *,
                      rank: Rank | None, progress: str, callbacks: Sequence[Callback], resume: bool,
                      report: bool, lint: list[Finding]) -> FitResult:
    main = rank is None or rank.is_main  # rank 0 alone validates, logs, checkpoints, tests and reports
    dtype = resolve_dtype(config.train.dtype)
    model = create_model(config.model, input_shape=data.input_shape, n_classes=len(data.classes))
    model = place_model(model, device, dtype)
    untrained = copy.deepcopy(model.state_dict())
    batches = _make_batches(config, data, device, dtype, rank)
    trainable = model if rank is None else rank.wrap(model, device)  # DDP: rank 0's weights on every rank
    trainable = torch.compile(trainable) if config.train.compile else trainable
    opt = build_optimizer(model.parameters(), config.optim, device=device)
    total = config.train.epochs * len(batches)
    state = TrainState(trainable, opt, build_scheduler(opt, config.optim, total_steps=total),
                       epochs=config.train.epochs, steps_per_epoch=len(batches))
    early = EarlyStopping(patience=config.train.patience, min_delta=config.train.min_delta,
                          target=config.train.target)
    if resume:
        untrained = _restore(state, model, batches, early, run.checkpoints / "last.pt")
    if not main:  # random draws of its own (dropout, augmentation); rank 0 keeps the single-process ones
        torch.manual_seed(config.seed + rank.rank + 1_000_003 * state.epoch)
        if resume:  # the checkpoint holds rank 0's augmentation stream
            batches.aug_generator.manual_seed(config.seed + 1 + rank.rank + 1_000_003 * state.epoch)
    cbs, monitors = [], []
    if main:
        cbs, monitors = _callbacks(config, data, run, device, dtype, early=early, batches=batches,
                                   untrained=untrained, progress=progress)
        cbs[-1:-1] = callbacks  # before Progress
    valid = _to_device(data.valid, device, dtype) if data.valid is not None and main else None
    status, message = "completed", None
    t0 = time.perf_counter()
    try:
        train_loop(state, batches, valid=valid, callbacks=cbs, device=device, rank=rank,
                   amp_dtype=amp_dtype(device, config.train.amp), penalty=_penalty(config, model))
    except TrainingError as exc:
        status, message = "diverged", str(exc)
    except KeyboardInterrupt:
        status, message = "interrupted", f"interrupted after epoch {state.epoch}; resume with --resume {run.path}"
    train_time = time.perf_counter() - t0
    if not main:
        return FitResult(run.path, state.history, {"status": status, "message": message,
                                                   "stop_reason": state.stop_reason}, model, rank=rank.rank)
    metrics = _finish(config, data, run, model, untrained, state, device, status=status,
                      message=message, train_time=train_time)
    findings = _save_findings(run, lint, monitors, state.history, n_classes=len(data.classes),
                              diverged=status == "diverged")
    if report:
        _write_report_safely(run.path)
    return FitResult(run.path, state.history, metrics, model, findings)


def _callbacks(config: Config, data: PreparedData, run: RunDir, device: torch.device, dtype: torch.dtype, *,
               early: EarlyStopping, batches: Any, untrained: dict, progress: str) -> tuple[list, list]:
    """Rank 0's callbacks (early stopping, history, checkpoints, TensorBoard, monitors, progress)."""
    cbs: list[Callback] = [early, _HistoryWriter(run)]
    if config.train.checkpoint:
        cbs.append(Checkpoint(run.checkpoints, meta=_model_meta(config, data), resume_state=lambda: {
            "batches": batches.state_dict(), "early_stopping": early.state_dict(), "untrained": untrained}))
    if config.train.tensorboard:
        cbs.append(TensorBoard(run.path / "tensorboard"))
    monitors = _monitors(config, data, device, dtype)
    return [*cbs, *monitors, Progress(progress)], monitors


def _monitors(config: Config, data: PreparedData, device: torch.device, dtype: torch.dtype) -> list[Callback]:
    if not config.train.monitors:
        return []
    from goodfit.train.callbacks.monitors import Monitors

    idx = np.random.default_rng(config.seed).permutation(len(data.train))[:256]
    x = torch.from_numpy(data.train.x[idx]).to(device, dtype)
    return [Monitors(x, torch.from_numpy(data.train.y[idx]).to(device))]


def _save_findings(run: RunDir, lint: list[Finding], monitors: list[Callback], history: list[dict],
                   *, n_classes: int, diverged: bool) -> list[Finding]:
    """findings.json: the lint's, the monitors' and the learning-curve diagnosis, in that order."""
    from goodfit.checks import as_dicts, diagnose_curves

    if run.path.joinpath("findings.json").is_file() and not lint:  # a resumed run keeps its lint findings
        saved = run.read_json("findings.json")
        lint = [Finding(**{k: v for k, v in f.items() if k != "stage"}) for f in saved if f.get("stage") == "lint"]
    watched = [f for m in monitors for f in getattr(m, "findings", [])]
    diagnosis = diagnose_curves(history, n_classes=n_classes, diverged=diverged)
    findings = [*lint, *watched, *diagnosis]
    stages = ["lint"] * len(lint) + ["monitor"] * len(watched) + ["diagnosis"] * len(diagnosis)
    run.write_json("findings.json", [{**d, "stage": st} for d, st in zip(as_dicts(findings), stages)])
    return findings


def _penalty(config: Config, model: nn.Module):
    if config.optim.l1 <= 0:
        return None
    from goodfit.train.penalties import l1_penalty

    return lambda: config.optim.l1 * l1_penalty(model)


def _write_report_safely(path: Path) -> None:
    """A failing report must not hide a finished training: warn, keep the results."""
    import traceback
    import warnings

    from goodfit.report import write_report

    try:
        write_report(path)
    except Exception as exc:  # a bug in report code; the run's files are already saved
        warnings.warn(f"report.html could not be written ({exc!r}); run 'goodfit report {path}' "
                      f"after fixing. Details:\n{traceback.format_exc()}", stacklevel=2)


def _make_batches(config: Config, data: PreparedData, device: torch.device, dtype: torch.dtype,
                  rank: Rank | None = None):
    x = torch.from_numpy(data.train.x).to(dtype)
    y = torch.from_numpy(data.train.y)
    augment = make_augment(config.data.augment)
    if augment is not None and x.ndim != 4:
        raise ConfigError(f"data.augment={config.data.augment} needs image data; {config.data.name} is a table")
    loader = config.train.loader
    if loader == "auto":
        loader = "memory" if x.element_size() * x.numel() <= MEMORY_LIMIT_BYTES else "dataloader"
    shard = {"rank": rank.rank, "world_size": rank.world_size} if rank is not None else {}
    if loader == "memory":
        return MemoryBatches(x.to(device), y.to(device), batch_size=config.train.batch_size,
                             seed=config.seed, augment=augment, **shard)
    return LoaderBatches(x, y, batch_size=config.train.batch_size, seed=config.seed, device=device,
                         num_workers=config.train.num_workers, augment=augment, **shard)


def _to_device(split: Any, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(split.x).to(device, dtype), torch.from_numpy(split.y).to(device)


def _model_meta(config: Config, data: PreparedData) -> dict[str, Any]:
    return {
        "config": config_to_dict(config),
        "classes": list(data.classes),
        "input_shape": list(data.input_shape),
        "scaler": data.scaler.state_dict(),
    }


def _restore(state: TrainState, model: nn.Module, batches: Any, early: EarlyStopping, path: Path) -> dict:
    ckpt = load_checkpoint(path)
    model.load_state_dict(ckpt["model"])
    state.optimizer.load_state_dict(ckpt["optimizer"])
    if state.scheduler is not None and ckpt["scheduler"] is not None:
        state.scheduler.load_state_dict(ckpt["scheduler"])
    state.epoch, state.step, state.history = ckpt["epoch"], ckpt["step"], list(ckpt["history"])
    state.best_epoch, state.best_valid_loss = ckpt["best_epoch"], ckpt["best_valid_loss"]
    torch.set_rng_state(ckpt["torch_rng"])
    batches.load_state_dict(ckpt["batches"])
    early.load_state_dict(ckpt["early_stopping"])
    return ckpt["untrained"]


def _finish(config: Config, data: PreparedData, run: RunDir, model: nn.Module, untrained: dict,
            state: TrainState, device: torch.device, *, status: str, message: str | None,
            train_time: float) -> dict[str, Any]:
    """Write metrics.json (and, for a completed run, the one test evaluation and predictions)."""
    n_classes = len(data.classes)
    best = run.checkpoints / "best.pt"
    metrics: dict[str, Any] = {
        "status": status, "message": message, "stop_reason": state.stop_reason,
        "epochs_run": state.epoch, "best_epoch": state.best_epoch, "train_time_s": train_time,
        "n_train": len(data.train), "n_valid": len(data.valid) if data.valid is not None else 0,
        "n_test": len(data.test), "classes": list(data.classes),
    }
    if status == "completed":
        if best.is_file() and config.train.select == "best":  # model selection on validation
            model.load_state_dict(load_checkpoint(best, map_location=device)["model"])
        dtype, amp = resolve_dtype(config.train.dtype), amp_dtype(device, config.train.amp)
        train_stats, _ = evaluate_split(model, *_to_device(data.train, device, dtype), n_classes=n_classes,
                                        device=device, amp_dtype=amp)
        metrics["train"] = {k: train_stats[k] for k in ("loss", "accuracy", "f1_macro")}  # eval mode, no augmentation
        if data.valid is not None:
            metrics["valid"], _ = evaluate_split(model, *_to_device(data.valid, device, dtype),
                                                 n_classes=n_classes, device=device, amp_dtype=amp)
        metrics["test_evaluations"] = []  # stays empty in k-fold folds and search trials
        if config.train.evaluate_test:
            test_x, test_y = _to_device(data.test, device, dtype)
            metrics["test"], logits = evaluate_split(model, test_x, test_y, n_classes=n_classes,
                                                     device=device, amp_dtype=amp)
            metrics["test_evaluations"].append({"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "by": "fit"})
            metrics["baselines"] = _baselines(config, data, untrained, test_x, test_y, device)
            _save_predictions(run, data, logits)
    run.write_json("metrics.json", metrics)
    return metrics


def _baselines(config: Config, data: PreparedData, untrained: dict, x: torch.Tensor, y: torch.Tensor,
               device: torch.device) -> dict[str, Any]:
    """Scores to beat: always the majority class, and the same model before training."""
    fresh = create_model(config.model, input_shape=data.input_shape, n_classes=len(data.classes))
    fresh = place_model(fresh, device, resolve_dtype(config.train.dtype))
    fresh.load_state_dict(untrained)
    stats, _ = evaluate_split(fresh, x, y, n_classes=len(data.classes), device=device)
    return {
        "majority": majority_baseline(data.train.y, data.test.y),
        "untrained": {"accuracy": stats["accuracy"], "loss": stats["loss"]},
        "chance_loss": float(np.log(len(data.classes))),
    }


def _save_predictions(run: RunDir, data: PreparedData, logits: torch.Tensor) -> None:
    """Test labels, predictions, probabilities and the worst-classified raw images, for reports."""
    import io

    from goodfit.run import atomic_write_bytes

    y = torch.from_numpy(data.test.y)
    probs = F.softmax(logits, dim=1)
    losses = F.cross_entropy(logits, y, reduction="none")
    worst = torch.argsort(losses, descending=True)[:N_WORST].numpy()
    buf = io.BytesIO()
    np.savez_compressed(
        buf, y_true=data.test.y, y_pred=logits.argmax(1).numpy(), probs=probs.numpy().astype(np.float32),
        worst_index=worst, worst_images=data.dataset.x_test[worst] if data.dataset.kind == "image" else np.empty(0),
    )
    atomic_write_bytes(run.path / "predictions.npz", buf.getvalue())
