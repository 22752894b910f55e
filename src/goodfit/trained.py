"""Using a trained run: rebuild its model, predict, evaluate on a split (test looks are counted)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.config import Config, config_from_saved
from goodfit.data import prepare_data
from goodfit.data.scaling import Scaler
from goodfit.errors import ConfigError, RunDirError
from goodfit.models import create_model
from goodfit.run import RunDir
from goodfit.tasks import Binary, Classification, Task, task_from_state
from goodfit.train.callbacks import load_checkpoint
from goodfit.train.evaluate import evaluate_split, predict_logits

__all__ = ["LoadedModel", "load_model", "untrained_model", "evaluate_run"]


@dataclass
class LoadedModel:
    """A trained model with what is needed to feed it raw inputs and read its outputs."""

    model: nn.Module
    config: Config
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]
    scaler: Scaler
    task: Task  # fitted as in training (target scaling, the threshold chosen on validation)
    epoch: int = 0  # epochs trained (0: the untrained model)
    last_epoch: dict[str, float] | None = None  # that epoch's row of the history (losses, valid accuracy)

    def predict(self, x_raw: np.ndarray, *, device: str = "cpu") -> np.ndarray:
        """Predictions for unscaled inputs shaped like the data set's (``(N, *input_shape)``), in the
        data's own terms: class probabilities ``(N, C)``, the positive class's probability ``(N,)``,
        values in the target's units ``(N, K)``, or arrays like the input (scaled as in training)."""
        x = torch.from_numpy(self.scaler.transform(x_raw))
        return self.task.decode(predict_logits(self.model, x, device=device, tta=self.config.train.tta))

    def predict_proba(self, x_raw: np.ndarray, *, device: str = "cpu") -> np.ndarray:
        """Class probabilities ``(N, C)`` of a classifier (a binary run: ``[P(class 0), P(class 1)]``)."""
        if not isinstance(self.task, (Classification, Binary)):
            raise ConfigError(f"predict_proba needs a classifier; this run's task is {self.task.name}: use predict")
        p = self.predict(x_raw, device=device)
        return np.stack([1 - p, p], axis=1) if isinstance(self.task, Binary) else p


def load_model(run: str | Path, *, which: str = "best", device: str = "cpu") -> LoadedModel:
    """Rebuild a run's model from ``checkpoints/{best,last}.pt``."""
    rd = RunDir.open(run)
    path = rd.checkpoints / f"{which}.pt"
    if not path.is_file():
        raise RunDirError(f"{path} not found; the run saved no checkpoint (train.checkpoint=false?)")
    ckpt = load_checkpoint(path, map_location=device)
    cfg = config_from_saved(ckpt["config"], ckpt.get("config_version"))
    classes = tuple(ckpt["classes"])
    task = task_from_state(ckpt.get("task") or {"name": "classification", "n_classes": len(classes)})
    metrics = rd.path / "metrics.json"
    if metrics.is_file():  # what was chosen on validation after training (a binary threshold)
        task.load_state_dict({**task.state_dict(), **(rd.read_json("metrics.json").get("task_state") or {})})
    output_shape = tuple(ckpt.get("output_shape") or (len(classes),))
    model = create_model(cfg.model, input_shape=ckpt["input_shape"], output_shape=output_shape)
    model.load_state_dict(ckpt["model"])
    model.to(device).eval()
    history = ckpt.get("history") or []  # last.pt holds it; best.pt only its epoch
    row = next((r for r in history if r.get("epoch") == ckpt.get("epoch")), history[-1] if history else None)
    return LoadedModel(model, cfg, classes, tuple(ckpt["input_shape"]), Scaler.from_state_dict(ckpt["scaler"]), task,
                       epoch=int(ckpt.get("epoch") or 0), last_epoch=row)


def untrained_model(config: Config, *, device: str = "cpu") -> LoadedModel:
    """The model ``config`` describes, freshly initialised, with the scaler fitted on its training split:
    exactly the weights :func:`~goodfit.experiment.fit` starts from with this config and seed.

    Examples:
        >>> from goodfit.config import apply_overrides
        >>> m = untrained_model(apply_overrides(Config(), ["data.name=digits"]))
        >>> m.epoch, m.input_shape, len(m.classes), m.model.training
        (0, (1, 8, 8), 10, False)
    """
    from goodfit.train.device import seed_everything

    seed_everything(config.seed)  # the order fit() follows: seed, data, model
    data = prepare_data(config.data, optim=config.optim)
    model = create_model(config.model, input_shape=data.input_shape, output_shape=data.output_shape)
    model.to(device).eval()
    return LoadedModel(model, config, data.classes, tuple(data.input_shape), data.scaler, data.task)


def evaluate_run(run: str | Path, *, split: str = "valid", data_root: str | None = None) -> dict[str, Any]:
    """Evaluate a finished run's best model on ``valid`` or ``test``.

    Looking at the test set again is recorded in ``metrics.json`` (``test_evaluations``), so a
    report can say how often the test set was used.
    """
    if split not in ("valid", "test", "train"):
        raise ConfigError(f"split must be train, valid or test, not {split!r}")
    loaded = load_model(run)
    rd = RunDir.open(run)
    cfg = loaded.config
    if data_root:
        cfg = replace(cfg, data=replace(cfg.data, root=data_root))
    data = prepare_data(cfg.data, optim=cfg.optim)
    part = getattr(data, split)
    if part is None:
        raise RunDirError(f"{rd.path} was trained without a validation split (data.valid_fraction=0)")
    y = torch.from_numpy(part.y)
    stats, _ = evaluate_split(loaded.model, part.x, y.float() if y.is_floating_point() else y, task=loaded.task,
                              tta=cfg.train.tta)
    stats = {"task": loaded.task.name, "score": loaded.task.score, **stats}
    if split == "test":
        metrics = rd.read_json("metrics.json")
        metrics.setdefault("test_evaluations", []).append(
            {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "by": "goodfit evaluate"})
        rd.write_json("metrics.json", metrics)
        stats["test_evaluations"] = len(metrics["test_evaluations"])
    return stats
