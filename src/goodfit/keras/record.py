"""A Keras run's folder, the same files a ``goodfit train`` run holds: ``config.yaml`` (what was fitted,
how), ``history.csv``, ``findings.json``, ``metrics.json`` (the test set evaluated once, at the end,
against the no-skill and the untrained model), ``predictions.npz``, the Keras model itself
(``checkpoints/model.keras``), plots and ``report.html``."""

from __future__ import annotations

import math
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.checks.keras_rules import KerasLoss
from goodfit.config import dump_config
from goodfit.experiment.finish import save_predictions
from goodfit.models.keras import KerasModule, import_keras
from goodfit.run import RunDir, environment_meta
from goodfit.tasks import Binary, Classification, Regression, Task
from goodfit.train.evaluate import evaluate_split, predict_logits

__all__ = ["Split", "keras_task", "targets", "describe", "write_config", "finish", "as_images", "save_model",
           "plain_number"]

@dataclass
class Split:
    """One split's inputs and targets as goodfit's task reads them."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)


def keras_task(loss: KerasLoss | None, train: Split | None, n_outputs: int | None) -> Task | None:
    """The goodfit task a Keras loss trains for: classification, binary or regression (None: another loss)."""
    if loss is None or train is None or loss.kind is None:
        return None
    if loss.kind == "classification":
        return Classification(n_classes=int(n_outputs or int(train.y.max()) + 1))
    if loss.kind == "binary":
        return Binary()
    name = {nn.MSELoss: "mse", nn.L1Loss: "l1", nn.HuberLoss: "huber"}.get(type(loss.torch_loss), "mse")
    return Regression(target_scaling="none", loss=name).fit(train.x.numpy(), train.y.numpy(), classes=())


def targets(task: Task | None, y: torch.Tensor) -> torch.Tensor:
    """``y`` as the task's loss takes it: class indices, a ``(N, 1)`` 0/1 column, ``(N, K)`` floats."""
    if isinstance(task, Classification):
        return y.long().reshape(len(y))
    if isinstance(task, (Binary, Regression)):
        return y.float().reshape(len(y), -1)
    return y


def describe(model: Any, loss: KerasLoss | None, fit: Any, *, name: str, test: bool) -> dict[str, Any]:
    """What ``config.yaml`` holds for a Keras run: the model, how it was compiled and fitted."""
    opt = getattr(model, "optimizer", None)
    opt_config = {}
    if opt is not None and hasattr(opt, "get_config"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Keras' own np.array(tensor) under NumPy 2
            opt_config = {k: plain_number(v) for k, v in opt.get_config().items() if plain_number(v) is not None}
    layers = [f"{type(layer).__name__}({_layer_text(layer)})" for layer in model.layers]
    return {
        "name": name,
        "keras": {
            "model": {"class": type(model).__name__, "name": model.name, "layers": layers,
                      "parameters": int(model.count_params())},
            "compile": {"loss": loss.name if loss is not None else None,
                        "from_logits": loss.from_logits if loss is not None else None,
                        "optimizer": {"class": type(opt).__name__, **opt_config} if opt is not None else None},
            "fit": {"epochs": getattr(fit, "epochs", None), "batch_size": getattr(fit, "batch_size", None),
                    "validation_split": getattr(fit, "validation_split", 0.0),
                    "validation_data": bool(fit is not None and fit.validation_data is not None and not fit.split_used),
                    "shuffle": getattr(fit, "shuffle", True), "test_data": test},
        },
    }


def write_config(run: RunDir, config: dict[str, Any]) -> None:
    keras = import_keras()
    meta = environment_meta()
    meta["versions"]["keras"] = keras.__version__
    dump_config(config, run.path / "config.yaml", extra={"meta": meta})  # type: ignore[arg-type]


def _layer_text(layer: Any) -> str:
    units = getattr(layer, "units", None)
    act = getattr(getattr(layer, "activation", None), "__name__", None)
    rate = getattr(layer, "rate", None)
    parts = [str(units)] if units is not None else []
    parts += [f"activation={act}"] if act not in (None, "linear") else []
    parts += [f"rate={rate:g}"] if isinstance(rate, float) else []
    reg = getattr(layer, "kernel_regularizer", None)
    if reg is not None:
        values = ", ".join(f"{k}={v:g}" for k, v in reg.get_config().items() if isinstance(v, float))
        parts.append(f"kernel_regularizer={type(reg).__name__}({values})")
    return ", ".join(parts)


def plain_number(value: Any) -> Any:
    """A config value as YAML / JSON hold it: a plain bool, int, str or finite float (a Keras variable's
    value), else None."""
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    tensor = getattr(value, "value", value)  # a Keras variable holds a torch tensor
    if isinstance(tensor, torch.Tensor) and tensor.numel() == 1:
        return plain_number(float(tensor))
    return None


def as_images(x: torch.Tensor) -> np.ndarray | None:
    """Test inputs as ``(N, C, H, W)`` images for the report's worst-predicted grid, when they look like
    images: ``(N, H, W)``, channels-last ``(N, H, W, C)``, or flat squares such as MNIST's 784."""
    a = x.detach().cpu().numpy()
    if a.ndim == 4:
        return a if a.shape[1] in (1, 3) else (a.transpose(0, 3, 1, 2) if a.shape[3] in (1, 3) else None)
    if a.ndim == 3:
        return a[:, None]
    side = math.isqrt(a.shape[1]) if a.ndim == 2 else 0
    return a.reshape(len(a), 1, side, side) if side >= 8 and side * side == a.shape[1] else None


def evaluate(model: KerasModule, split: Split, task: Task) -> tuple[dict[str, Any], torch.Tensor]:
    stats, outputs = evaluate_split(model, split.x, split.y, task=task)
    return stats, outputs


def finish(run: RunDir, task: Task | None, model: KerasModule, *, train: Split | None, valid: Split | None,
           test: Split | None, untrained: dict[str, torch.Tensor], status: str, message: str | None,
           stop_reason: str | None, epochs_run: int, train_time: float, classes: list[str]) -> dict[str, Any]:
    """``metrics.json`` (and ``predictions.npz``): each split evaluated in eval mode with the final
    weights (Keras keeps the last epoch's), the test split once."""
    metrics: dict[str, Any] = {
        "status": status, "message": message, "stop_reason": stop_reason, "epochs_run": epochs_run,
        "best_epoch": None, "select": "last", "train_time_s": train_time,
        "n_train": len(train) if train is not None else 0, "n_valid": len(valid) if valid is not None else 0,
        "n_test": len(test) if test is not None else 0, "classes": classes,
        "task": task.name if task is not None else None, "score": task.score if task is not None else None,
        "test_evaluations": [],
    }
    if task is None or status != "completed" or train is None:
        run.write_json("metrics.json", metrics)
        return metrics
    if valid is not None:
        task.select_on_valid(predict_logits(model, valid.x), valid.y)
    train_stats, _ = evaluate(model, train, task)
    metrics["train"] = {k: train_stats[k] for k in ("loss", *task.summary) if k in train_stats}
    if valid is not None:
        metrics["valid"], _ = evaluate(model, valid, task)
    if test is not None:
        metrics["test"], outputs = evaluate(model, test, task)
        metrics["test_evaluations"].append({"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "by": "GoodfitCallback"})
        metrics["baselines"] = {**task.baselines(train.y, test.x, test.y),
                                "untrained": _untrained(model, untrained, test, task)}
        save_predictions(run, task, test.y.numpy(), outputs, images=as_images(test.x), inputs=test.x.numpy())
    metrics["task_state"] = task.state_dict()
    run.write_json("metrics.json", metrics)
    return metrics


def _untrained(model: KerasModule, untrained: dict[str, torch.Tensor], test: Split, task: Task) -> dict[str, float]:
    """The same model before training, on the test split: its weights swapped in, then back."""
    trained = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(untrained)
    try:
        stats, _ = evaluate(model, test, task)
    finally:
        model.load_state_dict(trained)
    return {task.score: stats[task.score], "loss": stats["loss"]}


def save_model(run: RunDir, model: Any) -> Path | None:
    """``checkpoints/model.keras`` (Keras' own format: ``keras.models.load_model`` reads it), written
    atomically; a model Keras cannot save (a custom layer without ``get_config``) is skipped with a warning."""
    path = run.checkpoints / "model.keras"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model.", suffix=".keras")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras' own notes about its format
            model.save(tmp)
        os.replace(tmp, path)
    except Exception as exc:  # the user's model: keep the run's other files
        Path(tmp).unlink(missing_ok=True)
        warnings.warn(f"the Keras model was not saved ({type(exc).__name__}: {exc})", stacklevel=2)
        return None
    return path
