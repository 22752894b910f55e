"""Training a VAE or a GAN: one visible loop, one ``step`` function per model.

The classifier's :func:`goodfit.fit` is built around logits and labels; generative training is not,
so it gets this small loop instead, reusing goodfit's pieces: :class:`MemoryBatches`, the
``Checkpoint`` / ``Progress`` callbacks and their events, :class:`RunDir` and the YAML config.

A run folder (``runs/<name>-<time>/``) holds ``config.yaml``, ``history.csv``, ``metrics.json``
(test ELBO for the VAE; Fréchet distance and mode coverage for both), ``checkpoints/``, ``plots/``,
a ``classifier/`` run used to judge the samples, and ``report.html``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.config import config_to_dict, dump_config
from goodfit.data import PreparedData, prepare_data
from goodfit.errors import TrainingError
from goodfit.generative.config import GenConfig
from goodfit.generative.models import GENERATORS, create_generator
from goodfit.models.gan import GAN
from goodfit.models.vae import VAE, elbo_terms
from goodfit.run import RunDir, environment_meta
from goodfit.train.batching import MemoryBatches
from goodfit.train.callbacks import Callback, Checkpoint, Progress, TrainState, load_checkpoint
from goodfit.train.device import resolve_device, seed_everything

__all__ = ["GenResult", "fit_generative", "train_generator", "vae_step", "gan_step", "negative_elbo"]

Step = Callable[[torch.Tensor], dict[str, torch.Tensor]]  # one optimizer step on a batch → losses


@dataclass
class GenResult:
    """What :func:`fit_generative` returns: the run folder, per-epoch history and final metrics."""

    run_dir: Path
    history: list[dict[str, float]]
    metrics: dict[str, Any]
    model: nn.Module = field(repr=False)


def vae_step(model: VAE, opt: torch.optim.Optimizer, *, beta: float = 1.0) -> Step:
    """One step on the β-weighted negative ELBO, averaged over the batch (nats per image)."""

    def step(xb: torch.Tensor) -> dict[str, torch.Tensor]:
        recon, kl = elbo_terms(model, xb)  # (B,), (B,)
        loss = (recon + beta * kl).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"train_loss": loss.detach(), "recon": recon.mean().detach(), "kl": kl.mean().detach()}

    return step


def gan_step(gan: GAN, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer) -> Step:
    """One discriminator step then one generator step (the non-saturating loss of Goodfellow et al.)."""

    def step(xb: torch.Tensor) -> dict[str, torch.Tensor]:
        z = torch.randn(len(xb), gan.latent, device=xb.device)
        fake = gan.generator(z)  # (B, C, H, W)
        ones, zeros = torch.ones(len(xb), device=xb.device), torch.zeros(len(xb), device=xb.device)
        d_real, d_fake = gan.discriminator(xb), gan.discriminator(fake.detach())  # detach: D's step leaves G
        d_loss = F.binary_cross_entropy_with_logits(d_real, ones) + F.binary_cross_entropy_with_logits(d_fake, zeros)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.binary_cross_entropy_with_logits(gan.discriminator(fake), ones)  # fool the updated D
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return {"train_loss": g_loss.detach(), "d_loss": d_loss.detach(),
                "d_real": torch.sigmoid(d_real).mean().detach(), "d_fake": torch.sigmoid(d_fake).mean().detach()}

    return step


def _emit(callbacks: Sequence[Callback], event: str, *args: object) -> None:
    for cb in callbacks:
        getattr(cb, event)(*args)


def train_generator(state: TrainState, batches: MemoryBatches, step: Step, *,
                    valid_loss: Callable[[], float] | None = None,
                    callbacks: Sequence[Callback] = ()) -> TrainState:
    """Run ``step`` over every batch for ``state.epochs`` epochs; one history row per epoch.

    Example:
        >>> vae = VAE((4,), latent=2, hidden=(8,), likelihood="gaussian")
        >>> opt = torch.optim.Adam(vae.parameters(), lr=1e-2)
        >>> b = MemoryBatches(torch.randn(64, 4), torch.zeros(64), batch_size=16, seed=0)
        >>> s = TrainState(vae, opt, None, epochs=3, steps_per_epoch=len(b))
        >>> h = train_generator(s, b, vae_step(vae, opt)).history
        >>> len(h), h[-1]["train_loss"] < h[0]["train_loss"]
        (3, True)
    """
    model = state.model
    _emit(callbacks, "on_fit_start", state)
    while state.epoch < state.epochs and not state.should_stop:
        t0 = time.perf_counter()
        model.train()
        sums: dict[str, torch.Tensor] = {}
        seen = 0
        for xb, _ in batches:
            losses = step(xb)
            state.step += 1
            for key, value in losses.items():
                sums[key] = sums.get(key, 0.0) + value * len(xb)
            seen += len(xb)
            _emit(callbacks, "on_batch_end", state, losses["train_loss"])
        row = {"epoch": state.epoch + 1, **{k: float(v) / max(seen, 1) for k, v in sums.items()}}
        if not all(math.isfinite(v) for v in row.values()):
            lr = state.optimizer.param_groups[0]["lr"]
            raise TrainingError(f"loss became non-finite in epoch {state.epoch + 1}; lower optim.lr (now {lr:g})")
        if valid_loss is not None:
            row["valid_loss"] = valid_loss()
        row["lr"] = state.optimizer.param_groups[0]["lr"]
        row["time"] = time.perf_counter() - t0
        state.epoch += 1
        state.history.append(row)
        _emit(callbacks, "on_epoch_end", state)
    if state.stop_reason is None:
        state.stop_reason = f"completed {state.epochs} epochs"
    _emit(callbacks, "on_fit_end", state)
    return state


@torch.no_grad()
def negative_elbo(model: VAE, x: torch.Tensor | np.ndarray, *, seed: int = 0, batch_size: int = 1024,
                  device: torch.device | str = "cpu") -> dict[str, float]:
    """Mean ``-ELBO``, reconstruction and KL terms in nats per image (one seeded posterior sample each).

    Example:
        >>> vae = VAE((1, 8, 8), latent=2, hidden=(16,))
        >>> sorted(negative_elbo(vae, torch.rand(10, 1, 8, 8)))
        ['kl', 'neg_elbo', 'recon']
    """
    x = torch.as_tensor(x)
    was_training = model.training
    model.eval()
    recon_sum = kl_sum = 0.0
    with torch.random.fork_rng(devices=[]):  # the one posterior sample is seeded; global RNG untouched
        torch.manual_seed(seed)
        for i in range(0, len(x), batch_size):
            recon, kl = elbo_terms(model, x[i : i + batch_size].to(device))
            recon_sum, kl_sum = recon_sum + float(recon.sum()), kl_sum + float(kl.sum())
    model.train(was_training)
    n = max(len(x), 1)
    return {"neg_elbo": (recon_sum + kl_sum) / n, "recon": recon_sum / n, "kl": kl_sum / n}


class _History(Callback):
    """Rewrites history.csv at each epoch end, so a killed run still has its curves."""

    def __init__(self, run: RunDir) -> None:
        self.run = run

    def on_epoch_end(self, state: TrainState) -> None:
        self.run.write_history(state.history)


def fit_generative(config: GenConfig, *, run_dir: str | Path | None = None, progress: str = "auto",
                   report: bool = True) -> GenResult:
    """Train ``config``'s VAE or GAN in a new run folder, then measure it on the test split.

    Example:
        >>> from goodfit.config import apply_overrides
        >>> cfg = apply_overrides(GenConfig(), ["data.name=digits", "train.epochs=2", "quality.enabled=false",
        ...                                     "model.variant=mlp", "out_dir=/tmp/goodfit-doc"])
        >>> res = fit_generative(cfg, progress="quiet", report=False)
        >>> res.metrics["status"], res.metrics["test"]["neg_elbo"] > 0
        ('completed', True)
    """
    GENERATORS.get(config.model.name)  # a typo fails before the data loads
    device = resolve_device(config.train.device)
    seed_everything(config.seed)
    data = prepare_data(config.data)  # before the run folder: bad data leaves nothing behind
    model = create_generator(config.model, input_shape=data.input_shape).to(device)
    run = RunDir.create(config.out_dir, config.name, exact=Path(run_dir) if run_dir else None)
    dump_config(config, run.path / "config.yaml", extra={"meta": environment_meta()})
    state, step, valid_loss, resume_extra = _setup(config, model, data, device)
    batches = MemoryBatches(torch.from_numpy(data.train.x).to(device), torch.from_numpy(data.train.y).to(device),
                            batch_size=config.train.batch_size, seed=config.seed)
    state.steps_per_epoch = len(batches)
    cbs: list[Callback] = [_History(run)]
    if config.train.checkpoint:
        cbs.append(Checkpoint(run.checkpoints, meta=_meta(config, data),
                              resume_state=lambda: {"batches": batches.state_dict(), **resume_extra()}))
    cbs.append(Progress(progress))
    status, message, t0 = "completed", None, time.perf_counter()
    try:
        train_generator(state, batches, step, valid_loss=valid_loss, callbacks=cbs)
    except TrainingError as exc:
        status, message = "diverged", str(exc)
    except KeyboardInterrupt:
        status, message = "interrupted", f"interrupted after epoch {state.epoch}"
    metrics: dict[str, Any] = {
        "status": status, "message": message, "stop_reason": state.stop_reason, "model": config.model.name,
        "epochs_run": state.epoch, "best_epoch": state.best_epoch, "train_time_s": time.perf_counter() - t0,
        "n_train": len(data.train), "n_valid": len(data.valid) if data.valid is not None else 0,
        "n_test": len(data.test), "classes": list(data.classes),
    }
    if status == "completed":
        _finish(config, data, run, model, device, metrics)
    run.write_json("metrics.json", metrics)
    if report and status == "completed":
        from goodfit.generative.report import write_generative_report

        write_generative_report(run.path)
    return GenResult(run.path, state.history, metrics, model)


def _setup(config: GenConfig, model: nn.Module, data: PreparedData, device: torch.device):
    """Optimizer(s), the train step, the validation loss and extra resumable state for one model."""
    adam = dict(lr=config.lr, betas=(config.beta1, 0.999), weight_decay=config.optim.weight_decay)
    if isinstance(model, GAN):
        opt_g = torch.optim.Adam(model.generator.parameters(), **adam)
        opt_d = torch.optim.Adam(model.discriminator.parameters(), **adam)
        state = TrainState(model, opt_g, None, epochs=config.train.epochs, steps_per_epoch=0)
        return state, gan_step(model, opt_g, opt_d), None, lambda: {"optimizer_d": opt_d.state_dict()}
    opt = torch.optim.Adam(model.parameters(), **adam)
    state = TrainState(model, opt, None, epochs=config.train.epochs, steps_per_epoch=0)
    valid = data.valid.x if data.valid is not None else None
    valid_loss = (lambda: negative_elbo(model, valid, seed=config.seed, device=device)["neg_elbo"]) \
        if valid is not None else None
    return state, vae_step(model, opt, beta=config.model.beta), valid_loss, lambda: {}


def _meta(config: GenConfig, data: PreparedData) -> dict[str, Any]:
    return {"config": config_to_dict(config), "kind": "generative", "classes": list(data.classes),
            "input_shape": list(data.input_shape), "scaler": data.scaler.state_dict()}


def _finish(config: GenConfig, data: PreparedData, run: RunDir, model: nn.Module, device: torch.device,
            metrics: dict[str, Any]) -> None:
    """Best-valid weights (VAE), test ELBO, sample quality and a sample grid, into ``metrics``."""
    from goodfit.generative.plots import image_grid
    from goodfit.generative.sample import sample_images
    from goodfit.run import atomic_write_bytes

    best = run.checkpoints / "best.pt"
    if isinstance(model, VAE) and best.is_file():
        model.load_state_dict(load_checkpoint(best, map_location=device)["model"])
    model.eval()
    if isinstance(model, VAE):
        metrics["test"] = negative_elbo(model, data.test.x, seed=config.seed, device=device)
        metrics["test"]["elbo"] = -metrics["test"]["neg_elbo"]
    if config.quality.enabled:
        from goodfit.generative.quality import assess

        metrics["quality"] = assess(model, data, config, run, device=device)
    atomic_write_bytes(run.plots / "samples.png", image_grid(sample_images(model, 64, seed=config.seed,
                                                                           device=device)))
