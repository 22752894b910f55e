"""The checks applied to goodfit's own pipeline: a config, its prepared data and model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from goodfit.checks.context import LintContext
from goodfit.checks.data_rules import check_scaling
from goodfit.checks.lint import run_lint
from goodfit.checks.sanity import SanityResult, overfit_one_batch
from goodfit.config import Config
from goodfit.data import PreparedData, prepare_data
from goodfit.data.streaming import ScaledRows
from goodfit.findings import Finding

__all__ = ["lint_config", "lint_run", "sanity_config"]


LINT_BYTES_STREAMED = 256 << 20  # of each split streamed from disk, the lint reads at most this much


def _split(part) -> tuple[torch.Tensor, torch.Tensor] | None:
    """A split's inputs and targets for the lint; of a split streamed from disk (data.stream), a seeded
    sample of at most LINT_BYTES_STREAMED (20,000 CIFAR images), so that the checks never hold all of it."""
    if part is None:
        return None
    if isinstance(part.x, ScaledRows):
        part = part.at_most(max(1, LINT_BYTES_STREAMED * len(part) // max(part.x.nbytes, 1)), seed=0)
    return torch.as_tensor(np.asarray(part.x)), torch.from_numpy(part.y)


def lint_config(config: Config, *, data: PreparedData | None = None, model: torch.nn.Module | None = None
                ) -> list[Finding]:
    """Lint a goodfit config as it would train (goodfit shuffles and scales correctly by itself;
    what remains to check is the data, the model and the hyperparameters)."""
    from goodfit.models import create_model

    data = data if data is not None else prepare_data(config.data, optim=config.optim)
    if model is None:
        model = create_model(config.model, input_shape=data.input_shape, output_shape=data.output_shape)
    kind = {"reconstruction": "arrays", "denoising": "arrays"}.get(data.task.name, data.task.name)
    ctx = LintContext(
        model=model, loss_fn=data.task.loss_fn, train=_split(data.train), valid=_split(data.valid),
        test=_split(data.test) if config.train.evaluate_test else None,
        n_classes=len(data.classes) if kind in ("classification", "binary") else None, task=kind,
        optimizer=config.optim.name, lr=config.optim.lr if config.optim.lr != "find" else None,
        weight_decay=config.optim.weight_decay,
        batch_size=config.train.batch_size, drop_last=True,  # goodfit's batches never end in a batch of one
        groups=({k: v for k, v in data.groups.items() if k != "test" or config.train.evaluate_test} or None),
    )
    # goodfit fits its scaler on the training split itself: inputs are scaled and nothing leaks,
    # so the scaling check (two passes over all the data) only runs when scaling is off
    skip = (check_scaling,) if config.data.scaling != "none" else ()
    return run_lint(ctx, skip=skip)


def lint_run(run_dir: str | Path) -> list[Finding]:
    """Lint a finished run: its config, and how often its test set was used."""
    from goodfit.config import load_config
    from goodfit.run import RunDir

    run = RunDir.open(run_dir)
    findings = lint_config(load_config(run.path))
    try:
        evaluations = len(run.read_json("metrics.json").get("test_evaluations", []))
    except Exception:  # an unfinished run has no metrics yet
        evaluations = None
    return findings + run_lint(LintContext(test_evaluations=evaluations))


def sanity_config(config: Config, *, steps: int = 200, batch_size: int = 32, data: PreparedData | None = None
                  ) -> SanityResult:
    """Overfit one batch of ``batch_size`` training samples with the config's model and optimizer."""
    from goodfit.models import create_model, init_from_data
    from goodfit.train.device import resolve_device, seed_everything
    from goodfit.train.optim import build_optimizer

    seed_everything(config.seed)
    data = data if data is not None else prepare_data(config.data, optim=config.optim)
    device = resolve_device(config.train.device)
    model = create_model(config.model, input_shape=data.input_shape, output_shape=data.output_shape).to(device)
    init_from_data(model, data.train.x, seed=config.seed)
    g = torch.Generator().manual_seed(config.seed)
    idx = torch.randperm(len(data.train), generator=g)[:batch_size]
    x = torch.as_tensor(data.train.x[idx.numpy()]).to(device)
    y = torch.from_numpy(data.train.y)[idx].to(device)
    corrupt = data.task.corrupt()  # denoising: the one batch's noisy inputs, drawn once
    x = corrupt(x, g) if corrupt is not None else x
    opt = build_optimizer(model, config.optim, device=device)
    return overfit_one_batch(model, x, y, optimizer=opt, task=data.task, steps=steps)
