"""Training a VAE or a GAN in goodfit's one training loop, with a step of their own.

A VAE step minimizes the (β-weighted) negative ELBO; a GAN step updates its discriminator, then its
generator, with two optimizers. Both are :class:`~goodfit.train.loop.Step` objects that
:func:`~goodfit.train.loop.train_loop` runs like the supervised step: the same callbacks, history,
checkpoints (``--resume`` continues a run), progress and, for the VAE, training monitors.

A run folder (``runs/<name>-<time>/``) holds ``config.yaml``, ``history.csv``, ``metrics.json``
(test ELBO for the VAE; Fréchet distance and mode coverage for both), ``checkpoints/``, ``plots/``,
a ``classifier/`` run used to judge the samples, and ``report.html``.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from goodfit.config import config_to_dict, dump_config, load_config
from goodfit.data import PreparedData, prepare_data
from goodfit.errors import ConfigError, RunDirError, TrainingError
from goodfit.generative.config import GenConfig
from goodfit.generative.models import GENERATORS, create_generator
from goodfit.models.gan import GAN
from goodfit.models.vae import VAE, elbo_terms
from goodfit.run import RunDir, environment_meta
from goodfit.tasks import Reconstruction
from goodfit.train.batching import MemoryBatches
from goodfit.train.callbacks import (
    Callback,
    Checkpoint,
    HistoryWriter,
    Progress,
    TrainState,
    load_checkpoint,
    restore_training,
)
from goodfit.train.device import resolve_device, seed_everything
from goodfit.train.loop import StepOutput, train_loop
from goodfit.train.signals import interrupted_message, stop_on_signals

__all__ = ["GenResult", "fit_generative", "VAEStep", "GANStep", "negative_elbo"]


@dataclass
class GenResult:
    """What :func:`fit_generative` returns: the run folder, per-epoch history and final metrics."""

    run_dir: Path
    history: list[dict[str, float]]
    metrics: dict[str, Any]
    model: nn.Module = field(repr=False)


class VAEStep:
    """One step on the β-weighted negative ELBO, averaged over the batch (nats per image).

    Examples:
        >>> from goodfit.train.loop import train_loop
        >>> vae = VAE((4,), latent=2, hidden=(8,), likelihood="gaussian")
        >>> opt = torch.optim.Adam(vae.parameters(), lr=1e-2)
        >>> b = MemoryBatches(torch.randn(64, 4), torch.zeros(64), batch_size=16, seed=0)
        >>> s = TrainState(vae, opt, None, epochs=3, steps_per_epoch=len(b))
        >>> h = train_loop(s, b, valid=None, step=VAEStep(vae, opt), device=torch.device("cpu")).history
        >>> len(h), h[-1]["train_loss"] < h[0]["train_loss"], sorted(h[0])[:3]
        (3, True, ['epoch', 'kl', 'lr'])
    """

    def __init__(self, model: VAE, optimizer: torch.optim.Optimizer, *, beta: float = 1.0) -> None:
        self.model, self.optimizer, self.beta = model, optimizer, beta

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> StepOutput:
        recon, kl = elbo_terms(self.model, xb)  # (B,), (B,)
        loss = (recon + self.beta * kl).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.detach(), None, {"recon": recon.mean().detach(), "kl": kl.mean().detach()}


class GANStep:
    """One discriminator step, then one generator step (the non-saturating loss of Goodfellow et al.);
    the reported ``train_loss`` is the generator's."""

    def __init__(self, gan: GAN, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer) -> None:
        self.gan, self.opt_g, self.opt_d = gan, opt_g, opt_d

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> StepOutput:
        gan = self.gan
        z = torch.randn(len(xb), gan.latent, device=xb.device)
        fake = gan.generator(z)  # (B, C, H, W)
        ones, zeros = torch.ones(len(xb), device=xb.device), torch.zeros(len(xb), device=xb.device)
        d_real, d_fake = gan.discriminator(xb), gan.discriminator(fake.detach())  # detach: D's step leaves G
        d_loss = F.binary_cross_entropy_with_logits(d_real, ones) + F.binary_cross_entropy_with_logits(d_fake, zeros)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        g_loss = F.binary_cross_entropy_with_logits(gan.discriminator(fake), ones)  # fool the updated D
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return g_loss.detach(), None, {"d_loss": d_loss.detach(), "d_real": torch.sigmoid(d_real).mean().detach(),
                                       "d_fake": torch.sigmoid(d_fake).mean().detach()}


@torch.no_grad()
def negative_elbo(model: VAE, x: torch.Tensor | np.ndarray, *, seed: int = 0, batch_size: int = 1024,
                  device: torch.device | str = "cpu") -> dict[str, float]:
    """Mean ``-ELBO``, reconstruction and KL terms in nats per image (one seeded posterior sample each).

    Examples:
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


def fit_generative(config: GenConfig | None, *, run_dir: str | Path | None = None, resume: str | Path | None = None,
                   progress: str = "auto", report: bool = True) -> GenResult:
    """Train ``config``'s VAE or GAN in a new run folder (or continue the run ``resume``), then measure
    it on the test split.

    Examples:
        >>> from goodfit.config import apply_overrides
        >>> cfg = apply_overrides(GenConfig(), ["data.name=digits", "train.epochs=2", "quality.enabled=false",
        ...                                     "model.variant=mlp", "out_dir=/tmp/goodfit-doc"])
        >>> res = fit_generative(cfg, progress="quiet", report=False)
        >>> res.metrics["status"], res.metrics["test"]["neg_elbo"] > 0
        ('completed', True)
    """
    if (config is None) == (resume is None):
        raise ConfigError("fit_generative needs a config, or resume=RUN to continue a run (not both)")
    with contextlib.ExitStack() as hold:  # the run folder's lock, once there is a folder
        run = RunDir.open(resume) if resume is not None else None
        if run is not None:
            hold.enter_context(run.lock())
            if not (run.checkpoints / "last.pt").is_file():
                raise RunDirError(f"{run.path} has no checkpoints/last.pt to resume from; start a new run instead")
            config = load_config(run.path, GenConfig)
        GENERATORS.get(config.model.name)  # a typo fails before the data loads
        device = resolve_device(config.train.device)
        seed_everything(config.seed)
        data = prepare_data(config.data)  # before the run folder: bad data leaves nothing behind
        model = create_generator(config.model, input_shape=data.input_shape).to(device)
        if run is None:
            run = RunDir.create(config.out_dir, config.name, exact=Path(run_dir) if run_dir else None)
            hold.enter_context(run.lock())
            dump_config(config, run.path / "config.yaml", extra={"meta": environment_meta()})
        state, step, valid, extra = _setup(config, model, data, device)
        batches = MemoryBatches(torch.from_numpy(data.train.x).to(device), torch.from_numpy(data.train.y).to(device),
                                batch_size=config.train.batch_size, seed=config.seed)
        state.steps_per_epoch = len(batches)
        if resume is not None:
            ckpt = restore_training(run.checkpoints / "last.pt", state, model)
            batches.load_state_dict(ckpt["batches"])
            for key, restorable in extra.items():
                restorable.load_state_dict(ckpt[key])
        cbs: list[Callback] = [HistoryWriter(run)]
        if config.train.checkpoint:
            cbs.append(Checkpoint(run.checkpoints, meta=_meta(config, data), resume_state=lambda: {
                "batches": batches.state_dict(), **{k: r.state_dict() for k, r in extra.items()}}))
        monitors = _monitors(config, model, data, device)
        cbs += [*monitors, Progress(progress)]
        status, message, t0 = "completed", None, time.perf_counter()
        try:
            with stop_on_signals():
                train_loop(state, batches, valid=valid, task=Reconstruction(), step=step, callbacks=cbs, device=device)
        except TrainingError as exc:
            status, message = "diverged", str(exc)
        except KeyboardInterrupt as exc:
            status, message = "interrupted", interrupted_message(exc, state.epoch, run.path)
        metrics: dict[str, Any] = {
            "status": status, "message": message, "stop_reason": state.stop_reason, "model": config.model.name,
            "epochs_run": state.epoch, "best_epoch": state.best_epoch, "train_time_s": time.perf_counter() - t0,
            "n_train": len(data.train), "n_valid": len(data.valid) if data.valid is not None else 0,
            "n_test": len(data.test), "classes": list(data.classes),
        }
        if status == "completed":
            _finish(config, data, run, model, device, metrics)
        run.write_json("metrics.json", metrics)
        _save_findings(run, monitors)
        if report and status == "completed":
            from goodfit.generative.report import write_generative_report

            write_generative_report(run.path)
        return GenResult(run.path, state.history, metrics, model)


def _setup(config: GenConfig, model: nn.Module, data: PreparedData, device: torch.device):
    """The state, the step, the validation function and extra resumable objects of one model."""
    adam = dict(lr=config.lr, betas=(config.beta1, 0.999), weight_decay=config.optim.weight_decay)
    if isinstance(model, GAN):
        opt_g = torch.optim.Adam(model.generator.parameters(), **adam)
        opt_d = torch.optim.Adam(model.discriminator.parameters(), **adam)
        state = TrainState(model, opt_g, None, epochs=config.train.epochs, steps_per_epoch=0)
        return state, GANStep(model, opt_g, opt_d), None, {"optimizer_d": opt_d}
    opt = torch.optim.Adam(model.parameters(), **adam)
    state = TrainState(model, opt, None, epochs=config.train.epochs, steps_per_epoch=0)
    x_valid = data.valid.x if data.valid is not None else None
    valid = (lambda m: {"valid_loss": negative_elbo(m, x_valid, seed=config.seed, device=device)["neg_elbo"]}) \
        if x_valid is not None else None
    return state, VAEStep(model, opt, beta=config.model.beta), valid, {}


def _monitors(config: GenConfig, model: nn.Module, data: PreparedData, device: torch.device) -> list[Callback]:
    """The training monitors on a VAE (probed on the deterministic ELBO: no random draw, so training is
    unchanged); a GAN has no one loss to probe."""
    if not config.train.monitors or not isinstance(model, VAE):
        return []
    from goodfit.train.callbacks.monitors import Monitors

    idx = np.random.default_rng(config.seed).permutation(len(data.train))[:256]
    x = torch.from_numpy(data.train.x[idx]).to(device)
    beta = config.model.beta

    def probe_loss(m: nn.Module, xb: torch.Tensor) -> torch.Tensor:
        recon, kl = elbo_terms(m, xb, sample=False)
        return (recon + beta * kl).mean()

    return [Monitors(x, x, probe_loss=probe_loss)]


def _save_findings(run: RunDir, monitors: list[Callback]) -> None:
    from goodfit.findings import as_dicts

    found = [f for m in monitors for f in getattr(m, "findings", [])]
    run.write_json("findings.json", [{**d, "stage": "monitor"} for d in as_dicts(found)])


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
