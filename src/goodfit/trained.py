"""Using a trained run: rebuild its model, predict, evaluate on a split (test looks are counted)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.config import Config
from goodfit.data import prepare_data
from goodfit.data.scaling import Scaler
from goodfit.errors import ConfigError, RunDirError
from goodfit.models import create_model
from goodfit.run import RunDir
from goodfit.train.callbacks import load_checkpoint
from goodfit.train.evaluate import evaluate_split

__all__ = ["LoadedModel", "load_model", "evaluate_run"]


@dataclass
class LoadedModel:
    """A trained model with what is needed to feed it raw inputs."""

    model: nn.Module
    config: Config
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]
    scaler: Scaler

    def predict_proba(self, x_raw: np.ndarray, *, device: str = "cpu") -> np.ndarray:
        """Class probabilities for unscaled inputs shaped like the data set's (``(N, *input_shape)``)."""
        from goodfit.train.evaluate import predict_logits

        x = torch.from_numpy(self.scaler.transform(x_raw))
        return F.softmax(predict_logits(self.model, x, device=device), dim=1).numpy()


def load_model(run: str | Path, *, which: str = "best", device: str = "cpu") -> LoadedModel:
    """Rebuild a run's model from ``checkpoints/{best,last}.pt``."""
    from goodfit.config import config_from_dict

    rd = RunDir.open(run)
    path = rd.checkpoints / f"{which}.pt"
    if not path.is_file():
        raise RunDirError(f"{path} not found; the run saved no checkpoint (train.checkpoint=false?)")
    ckpt = load_checkpoint(path, map_location=device)
    cfg = config_from_dict(ckpt["config"])
    model = create_model(cfg.model, input_shape=ckpt["input_shape"], n_classes=len(ckpt["classes"]))
    model.load_state_dict(ckpt["model"])
    model.to(device).eval()
    return LoadedModel(model, cfg, tuple(ckpt["classes"]), tuple(ckpt["input_shape"]),
                       Scaler.from_state_dict(ckpt["scaler"]))


def evaluate_run(run: str | Path, *, split: str = "valid", data_root: str | None = None) -> dict[str, Any]:
    """Evaluate a finished run's best model on ``valid`` or ``test``.

    Looking at the test set again is recorded in ``metrics.json`` (``test_evaluations``), so a
    report can say how often the test set was used.
    """
    from dataclasses import replace

    if split not in ("valid", "test", "train"):
        raise ConfigError(f"split must be train, valid or test, not {split!r}")
    loaded = load_model(run)
    rd = RunDir.open(run)
    cfg = loaded.config
    if data_root:
        cfg = replace(cfg, data=replace(cfg.data, root=data_root))
    data = prepare_data(cfg.data)
    part = getattr(data, split)
    if part is None:
        raise RunDirError(f"{rd.path} was trained without a validation split (data.valid_fraction=0)")
    stats, _ = evaluate_split(loaded.model, part.x, part.y, n_classes=len(loaded.classes))
    if split == "test":
        metrics = rd.read_json("metrics.json")
        metrics.setdefault("test_evaluations", []).append(
            {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "by": "goodfit evaluate"})
        rd.write_json("metrics.json", metrics)
        stats["test_evaluations"] = len(metrics["test_evaluations"])
    return stats
