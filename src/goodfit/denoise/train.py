"""Training a denoiser in goodfit's one training loop, with a step of its own.

:func:`fit_denoiser` makes a run folder (``runs/<name>-<time>/``: ``config.yaml``, ``history.csv``,
``checkpoints/``, ``metrics.json``, ``examples/``, ``report.html``), trains on fresh noisy mixtures of
the training speakers every epoch (:class:`~goodfit.denoise.speech.MixtureBatches`), keeps the weights
of the best validation SI-SDR (validation speakers, fixed mixtures at 0 and 5 dB), and only then
touches the test speakers, once: the table of every method at every noise kind and SNR
(:func:`~goodfit.denoise.evaluate.compare`). ``--resume`` continues an interrupted run exactly.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.config import config_to_dict, dump_config, load_config
from goodfit.denoise.config import DenoiseConfig
from goodfit.denoise.models import create_denoiser, enhance_batch, neg_si_sdr, spectral_loss
from goodfit.denoise.speech import Mixture, MixtureBatches, eval_mixtures, load_speech
from goodfit.errors import ConfigError, RunDirError, TrainingError
from goodfit.metrics.audio import si_sdr
from goodfit.run import RunDir, environment_meta
from goodfit.train.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    HistoryWriter,
    Progress,
    TrainState,
    restore_training,
)
from goodfit.train.device import resolve_device, seed_everything
from goodfit.train.loop import StepOutput, train_loop
from goodfit.train.signals import interrupted_message, stop_on_signals

__all__ = ["DenoiseResult", "DenoiseStep", "fit_denoiser", "VALID_SNRS"]

VALID_SNRS = (0.0, 5.0)  # validation mixtures: the hard end of the range, where models differ


@dataclass
class DenoiseResult:
    """What :func:`fit_denoiser` returns: the run folder, per-epoch history and final metrics."""

    run_dir: Path
    history: list[dict[str, float]]
    metrics: dict[str, Any]
    model: nn.Module = field(repr=False)


class DenoiseStep:
    """forward → loss (negative SI-SDR, or the spectral loss) → backward → clip → optimizer step."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *, loss: str, grad_clip: float,
                 scheduler: Any = None) -> None:
        self.model, self.optimizer, self.grad_clip, self.scheduler = model, optimizer, grad_clip, scheduler
        self.loss_fn = neg_si_sdr if loss == "si-sdr" else spectral_loss

    def __call__(self, noisy: torch.Tensor, clean: torch.Tensor) -> StepOutput:
        loss = self.loss_fn(self.model(noisy), clean)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.detach(), None, None


def _validator(mixtures: list[Mixture], device: torch.device):
    clean = np.stack([m.clean for m in mixtures])
    noisy = np.stack([m.noisy for m in mixtures])
    before = float(np.mean(si_sdr(clean, noisy)))

    def validate(model: nn.Module) -> dict[str, float]:
        after = float(np.mean(si_sdr(clean, enhance_batch(model, noisy, device=device))))
        return {"valid_loss": -after, "valid_si_sdr": after, "valid_si_sdri": after - before}

    return validate


def fit_denoiser(config: DenoiseConfig | None, *, run_dir: str | Path | None = None,
                 resume: str | Path | None = None, progress: str = "auto", report: bool = True) -> DenoiseResult:
    """Train ``config``'s denoiser in a new run folder (or continue the run ``resume``), then compare it
    with the baselines on the test speakers."""
    if (config is None) == (resume is None):
        raise ConfigError("fit_denoiser needs a config, or resume=RUN to continue a run (not both)")
    with contextlib.ExitStack() as hold:
        run = RunDir.open(resume) if resume is not None else None
        if run is not None:
            hold.enter_context(run.lock())
            if not (run.checkpoints / "last.pt").is_file():
                raise RunDirError(f"{run.path} has no checkpoints/last.pt to resume from; start a new run instead")
            if (run.path / "metrics.json").is_file() and run.read_json("metrics.json").get("status") == "completed":
                raise RunDirError(f"{run.path} is complete (its test table is made); start a new run instead")
            config = load_config(run.path, DenoiseConfig)
        device = resolve_device(config.train.device)
        seed_everything(config.seed)
        splits = load_speech(config.data, seed=config.seed)  # before the run folder: bad data leaves nothing
        model = create_denoiser(config.model).to(device)
        if run is None:
            run = RunDir.create(config.out_dir, config.name, exact=Path(run_dir) if run_dir else None)
            hold.enter_context(run.lock())
            dump_config(config, run.path / "config.yaml", extra={"meta": environment_meta()})
        opt = torch.optim.AdamW(model.parameters(), lr=config.optim.lr, weight_decay=config.optim.weight_decay)
        batches = MixtureBatches(splits, config.data, batch_size=config.train.batch_size, seed=config.seed,
                                 device=device)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.train.epochs * len(batches)) \
            if config.optim.schedule == "cosine" else None
        state = TrainState(model, opt, scheduler, epochs=config.train.epochs, steps_per_epoch=len(batches))
        stopper = EarlyStopping(patience=config.train.patience)
        if resume is not None:
            ckpt = restore_training(run.checkpoints / "last.pt", state, model)
            batches.load_state_dict(ckpt["batches"])
            stopper.load_state_dict(ckpt["early_stopping"])
        valid = _validator(eval_mixtures(splits, "valid", noises=config.data.noises, snrs=VALID_SNRS,
                                         utterances=8, segment_s=config.data.eval_segment_s, seed=config.seed),
                           device)
        meta = {"config": config_to_dict(config), "kind": "denoise", "sr": splits.sr, "speakers": splits.describe()}
        cbs: list[Callback] = [HistoryWriter(run), stopper]
        if config.train.checkpoint:
            cbs.append(Checkpoint(run.checkpoints, meta=meta, resume_state=lambda: {
                "batches": batches.state_dict(), "early_stopping": stopper.state_dict()}))
        cbs.append(Progress(progress))
        status, message, t0 = "completed", None, time.perf_counter()
        try:
            with stop_on_signals():
                train_loop(state, batches, valid=valid, step=DenoiseStep(model, opt, loss=config.optim.loss,
                                                                         grad_clip=config.optim.grad_clip,
                                                                         scheduler=scheduler),
                           callbacks=cbs, device=device)
        except TrainingError as exc:
            status, message = "diverged", str(exc)
        except KeyboardInterrupt as exc:
            status, message = "interrupted", interrupted_message(exc, state.epoch, run.path)
        metrics: dict[str, Any] = {
            "status": status, "message": message, "stop_reason": state.stop_reason, "model": config.model.name,
            "epochs_run": state.epoch, "best_epoch": state.best_epoch, "train_time_s": time.perf_counter() - t0,
            "sr": splits.sr, "speakers": splits.describe(), "source": splits.source,
        }
        if status == "completed":
            _finish(config, splits, run, model, device, metrics)
        run.write_json("metrics.json", metrics)
        if report and status == "completed":
            from goodfit.denoise.report import write_denoise_report

            write_denoise_report(run.path)
        return DenoiseResult(run.path, state.history, metrics, model)


def _finish(config: DenoiseConfig, splits, run: RunDir, model: nn.Module, device: torch.device,
            metrics: dict[str, Any]) -> None:
    """Best-valid weights, then the one look at the test speakers: the comparison table and examples."""
    from goodfit.denoise.evaluate import compare, write_examples
    from goodfit.train.callbacks import load_checkpoint

    best = run.checkpoints / "best.pt"
    if best.is_file():
        model.load_state_dict(load_checkpoint(best, map_location=device)["model"])
    model.eval()
    mixtures = eval_mixtures(splits, "test", noises=config.data.noises, snrs=config.eval.snrs,
                             utterances=config.eval.utterances, segment_s=config.data.eval_segment_s,
                             seed=config.seed + 1)
    metrics["test"] = compare(mixtures, model=model, baselines=config.eval.baselines, sr=splits.sr, device=device,
                              jobs=config.eval.jobs)
    metrics["test_evaluations"] = [{"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "what": "final comparison"}]
    metrics["examples"] = write_examples(run.path / "examples", mixtures, model=model, sr=splits.sr,
                                         count=config.eval.examples, device=device)
