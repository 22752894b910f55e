"""Tasks: what kind of problem a run solves, in a small explicit registry.

=================  ===================================  ==============  ===================
task               targets                              default loss    score (selects)
=================  ===================================  ==============  ===================
classification     integer labels in [0, C), C logits   cross-entropy   accuracy
binary             0 / 1, one logit                     BCE-with-logits AUROC
regression         real values, K outputs               MSE (L1, Huber) R²
reconstruction     the input itself                     MSE (L1, Huber) PSNR
denoising          the clean input of a noisy one       MSE (L1, Huber) PSNR
=================  ===================================  ==============  ===================

``data.task=auto`` (the default) takes the data set's own task (``breast-cancer``: binary,
``diabetes``: regression, images and ``csv:`` tables: classification); ``optim.loss`` picks another
loss where it makes sense.

Examples:
    >>> from goodfit.config import DataConfig, OptimConfig
    >>> task = create_task(DataConfig(task="regression"), OptimConfig(loss="huber"))
    >>> task.name, task.loss_name, task.score
    ('regression', 'huber', 'r2')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from goodfit.registry import Registry
from goodfit.tasks.arrays import Denoising, Reconstruction
from goodfit.tasks.base import LOSSES, Corrupt, Task
from goodfit.tasks.classification import Binary, Classification
from goodfit.tasks.regression import Regression

if TYPE_CHECKING:
    from goodfit.config import DataConfig, OptimConfig

__all__ = [
    "LOSSES",
    "TASKS",
    "Binary",
    "Classification",
    "Corrupt",
    "Denoising",
    "Reconstruction",
    "Regression",
    "Task",
    "create_task",
    "task_from_state",
]

TASKS: Registry[type[Task]] = Registry("task")
TASKS.add("classification", lambda: Classification, "integer class labels; C logits, cross-entropy; accuracy")
TASKS.add("binary", lambda: Binary, "labels 0/1; one logit, BCE; AUROC, AP, F1 at a threshold chosen on valid")
TASKS.add("regression", lambda: Regression, "real-valued targets; MSE / L1 / Huber; MAE, RMSE, R²")
TASKS.add("reconstruction", lambda: Reconstruction, "the target is the input (autoencoder); MSE; PSNR")
TASKS.add("denoising", lambda: Denoising, "input + Gaussian noise -> the clean input; MSE; PSNR")


def create_task(data: DataConfig, optim: OptimConfig, *, natural: str = "classification") -> Task:
    """The task ``data.task`` names (``auto``: ``natural``, the data set's own), with the config's loss."""
    name = natural if data.task == "auto" else data.task
    return TASKS.create(name).from_config(data, optim)


def task_from_state(state: dict[str, Any]) -> Task:
    """A fitted task rebuilt from :meth:`Task.state_dict` (a run's checkpoint)."""
    cls = TASKS.create(state["name"])
    options = {"noise_std": state["noise_std"]} if "noise_std" in state else {}
    if "target_scaling" in state:
        options["target_scaling"] = state["target_scaling"]
    task = cls(loss=state.get("loss", "auto"), label_smoothing=state.get("label_smoothing", 0.0), **options)
    task.load_state_dict(state)
    return task
