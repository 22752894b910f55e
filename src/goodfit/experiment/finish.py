"""After the loop: ``metrics.json`` (the test set evaluated once, with the weights chosen on
validation), the baselines to beat, ``predictions.npz``, ``findings.json`` and the report."""

from __future__ import annotations

import io
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.config import Config
from goodfit.data import PreparedData
from goodfit.data.streaming import ScaledRows
from goodfit.errors import GoodfitError
from goodfit.findings import Finding, settle
from goodfit.models import create_model
from goodfit.run import RunDir, atomic_write_bytes
from goodfit.tasks import Binary, Classification, Regression, Task
from goodfit.train.callbacks import Callback, TrainState, load_checkpoint
from goodfit.train.device import amp_dtype, place_model, resolve_dtype
from goodfit.train.evaluate import evaluate_split, predict_logits

__all__ = ["finish_run", "save_findings", "save_predictions", "write_report_safely", "to_device", "baseline_inputs",
           "TRAIN_EVAL_MAX"]

TRAIN_EVAL_MAX = 5_000  # training samples the final train numbers (eval mode) are measured on

N_WORST = 25  # worst-predicted test samples kept for the report
N_EXAMPLES = 16  # array tasks: test inputs, outputs and targets kept for the report


def to_device(split: Any, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor | ScaledRows, torch.Tensor]:
    """A split's inputs and targets as tensors of the training dtype (labels stay integers); inputs streamed
    from disk (:class:`~goodfit.data.streaming.ScaledRows`) stay there, to be read batch by batch."""
    y = torch.from_numpy(split.y)
    y = y.to(device, dtype) if y.is_floating_point() else y.to(device)
    return (split.x if isinstance(split.x, ScaledRows) else torch.from_numpy(split.x).to(device, dtype)), y


def baseline_inputs(x: torch.Tensor | np.ndarray | ScaledRows) -> torch.Tensor:
    """Inputs for :meth:`Task.baselines` on the CPU; none of a split streamed from disk: only classification
    and binary splits stream (``data.stream``), and their baselines read the targets alone."""
    return torch.from_numpy(x[:0]) if isinstance(x, ScaledRows) else torch.as_tensor(x).cpu()


def finish_run(config: Config, data: PreparedData, run: RunDir, model: nn.Module, untrained: dict,
               state: TrainState, device: torch.device, *, status: str, message: str | None,
               train_time: float) -> dict[str, Any]:
    """Write metrics.json (and, for a completed run, the one test evaluation and predictions)."""
    task = data.task
    best = run.checkpoints / "best.pt"
    metrics: dict[str, Any] = {
        "status": status, "message": message, "stop_reason": state.stop_reason,
        "epochs_run": state.epoch, "best_epoch": state.best_epoch, "train_time_s": train_time,
        "n_train": len(data.train), "n_valid": len(data.valid) if data.valid is not None else 0,
        "n_test": len(data.test), "classes": list(data.classes), "task": task.name, "score": task.score,
    }
    if data.dataset.skipped:  # data.skip_bad=true left unreadable files out: say how many, in the report too
        metrics["n_skipped"] = len(data.dataset.skipped)
    if status == "completed":
        if best.is_file() and config.train.select == "best":  # model selection on validation
            model.load_state_dict(load_checkpoint(best, map_location=device)["model"])
        dtype, amp = resolve_dtype(config.train.dtype), amp_dtype(device, config.train.amp)
        tta = config.train.tta
        evaluate = lambda split: evaluate_split(model, *to_device(split, device, dtype), task=task,  # noqa: E731
                                                device=device, amp_dtype=amp, tta=tta)
        if data.valid is not None:  # chosen on validation (a decision threshold), before any test look
            valid_x, valid_y = to_device(data.valid, device, dtype)
            valid_out = predict_logits(model, valid_x, device=device, amp_dtype=amp, tta=tta)
            task.select_on_valid(valid_out, valid_y.cpu())
            metrics["valid"] = task.evaluate(valid_out, valid_y.cpu())
        # the train numbers in eval mode (for the train-valid gap) need a good estimate, not every sample
        train_stats, _ = evaluate(data.train.at_most(TRAIN_EVAL_MAX, seed=config.data.split_seed))
        metrics["train"] = {k: train_stats[k] for k in ("loss", *task.summary) if k in train_stats}  # eval mode
        metrics["n_train_eval"] = min(len(data.train), TRAIN_EVAL_MAX)
        metrics["test_evaluations"] = _earlier_test_looks(run)  # stays empty in k-fold folds and search trials
        if config.train.evaluate_test:
            metrics["test"], outputs = evaluate(data.test)
            metrics["test_evaluations"].append({"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "by": "fit"})
            metrics["baselines"] = _baselines(config, data, untrained, device, dtype, amp)
            save_predictions(run, task, data.test.y, outputs, inputs=data.test.x,
                             images=data.dataset.x_test if data.dataset.kind == "image" else None)
        metrics["task_state"] = task.state_dict()  # what was learned on train and valid (a threshold)
    run.write_json("metrics.json", metrics)
    return metrics


def _earlier_test_looks(run: RunDir) -> list[dict[str, Any]]:
    """Test-set looks already recorded in this run folder (before an interruption): a resume keeps
    counting them, so the report's "test set touched once" can never be reset."""
    path = run.path / "metrics.json"
    try:
        earlier = run.read_json("metrics.json").get("test_evaluations") if path.is_file() else None
    except GoodfitError:  # a damaged metrics.json: nothing readable to keep
        return []
    return [e for e in earlier or [] if isinstance(e, dict)]


def _baselines(config: Config, data: PreparedData, untrained: dict, device: torch.device,
               dtype: torch.dtype, amp: torch.dtype | None) -> dict[str, Any]:
    """Scores to beat: the task's no-skill prediction, and the same model before training (in the
    training's arithmetic, ``amp``)."""
    task = data.task
    fresh = create_model(config.model, input_shape=data.input_shape, output_shape=data.output_shape)
    fresh = place_model(fresh, device, dtype)
    fresh.load_state_dict(untrained)
    test_x, test_y = to_device(data.test, device, dtype)
    stats, _ = evaluate_split(fresh, test_x, test_y, task=task, device=device, amp_dtype=amp)  # no TTA: chance
    train_y = torch.from_numpy(data.train.y)
    out = task.baselines(train_y.to(test_y.dtype), baseline_inputs(test_x), test_y.cpu())
    return {**out, "untrained": {task.score: stats[task.score], "loss": stats["loss"]}}


def save_predictions(run: RunDir, task: Task, y: np.ndarray, outputs: torch.Tensor, *,
                     images: np.ndarray | None = None, inputs: np.ndarray | None = None) -> None:
    """``predictions.npz``, what the report draws from: test targets ``y`` and predictions from the model's
    ``outputs``, the worst-predicted samples (with their raw ``images``, ``(N, C, H, W)``, if the test
    inputs are images), or for array tasks a few ``inputs``, outputs and targets."""
    if isinstance(task, Classification):
        losses = F.cross_entropy(outputs, torch.from_numpy(y), reduction="none")
        arrays = {"y_true": y, "y_pred": outputs.argmax(1).numpy(), "probs": task.decode(outputs).astype(np.float32)}
    elif isinstance(task, Binary):
        losses = F.binary_cross_entropy_with_logits(outputs, torch.from_numpy(y), reduction="none").view(-1)
        probs = task.decode(outputs).astype(np.float32)
        arrays = {"y_true": y.reshape(-1).astype(np.int64), "y_pred": (probs >= task.threshold).astype(np.int64),
                  "probs": probs}
    elif isinstance(task, Regression):
        losses = None
        arrays = {"y_true": task.decode(torch.from_numpy(y)), "y_pred": task.decode(outputs)}
    else:  # reconstruction, denoising
        k = min(N_EXAMPLES, len(y))
        losses = None
        arrays = {"example_inputs": inputs[:k], "example_outputs": outputs[:k].numpy().astype(np.float32),
                  "example_targets": y[:k]}
    if losses is not None:
        worst = torch.argsort(losses, descending=True)[:N_WORST].numpy()
        arrays |= {"worst_index": worst, "worst_images": images[worst] if images is not None else np.empty(0)}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(run.path / "predictions.npz", buf.getvalue())


def save_findings(run: RunDir, lint: list[Finding], monitors: list[Callback], history: list[dict],
                  *, chance_loss: float, underfit_fraction: float = 0.5, diverged: bool,
                  diagnose: bool = True) -> list[Finding]:
    """findings.json: the lint's, the monitors' and the learning-curve diagnosis, in that order
    (``diagnose=False``: no diagnosis yet, as before training)."""
    from goodfit.checks import as_dicts, diagnose_curves

    if run.path.joinpath("findings.json").is_file() and not lint:  # a resumed run keeps its lint findings
        saved = run.read_json("findings.json")
        lint = [Finding(**{k: v for k, v in f.items() if k != "stage"}) for f in saved if f.get("stage") == "lint"]
    watched = [f for m in monitors for f in getattr(m, "findings", [])]
    diagnosis = diagnose_curves(history, chance_loss=chance_loss, underfit_fraction=underfit_fraction,
                                diverged=diverged) if diagnose else []
    staged = [(f, "lint") for f in lint] + [(f, "monitor") for f in watched] + [(f, "diagnosis") for f in diagnosis]
    kept = {id(f) for f in settle(f for f, _stage in staged)}  # without those another finding explains
    staged = [(f, stage) for f, stage in staged if id(f) in kept]
    rows = [{**d, "stage": stage} for d, (_f, stage) in zip(as_dicts(f for f, _ in staged), staged)]
    run.write_json("findings.json", rows)
    return [f for f, _stage in staged]


def write_report_safely(path: Path) -> None:
    """A failing report must not hide a finished training: warn, keep the results."""
    from goodfit.report import write_report

    try:
        write_report(path)
    except Exception as exc:  # a bug in report code; the run's files are already saved
        warnings.warn(f"report.html could not be written ({exc!r}); run 'goodfit report {path}' "
                      f"after fixing. Details:\n{traceback.format_exc()}", stacklevel=2)
