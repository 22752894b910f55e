"""Neural detectors: VAE (negative ELBO or reconstruction error), auto-encoder, classifier confidence.

The VAE and the auto-encoder are trained here, on the detector's training data only, in goodfit's
training loop (:func:`goodfit.train.loop.train_loop`, the VAE with its own step); their random
initialization and sampling are seeded by ``random_state`` without touching the global RNG.
Inputs already in [0, 1] (pixels / 255) are used as they are; any other features are
standardized on the training data. Both models measure reconstruction by squared error (a
Gaussian likelihood for the VAE, std ``sigma``). A Bernoulli likelihood (binary cross-entropy,
``likelihood=bernoulli``) is the usual choice for *generating* MNIST but a poor anomaly score: it
rewards images with little ink, so thin anomalies such as 1s look normal to every model (the
measured comparison is in bench/RESULTS.md, "Anomaly detection").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.anomaly.base import Detector, DetectorInputError

__all__ = ["VAEDetector", "AutoencoderDetector", "MaxSoftmaxDetector"]


def _sizes(hidden: int | Sequence[int]) -> tuple[int, ...]:
    return tuple(int(h) for h in np.atleast_1d(hidden))


class _Scaling:
    """Identity for inputs in [0, 1] (``unit``); else standardization fitted on the training data."""

    def __init__(self, X: np.ndarray) -> None:
        self.unit = bool(X.min() >= 0.0 and X.max() <= 1.0)
        self.shift = np.zeros(X.shape[1], np.float32) if self.unit else X.mean(0)
        std = X.std(0)
        self.scale = np.ones(X.shape[1], np.float32) if self.unit else np.where(std > 1e-6, std, 1.0).astype(np.float32)

    def __call__(self, X: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((X - self.shift) / self.scale).astype(np.float32))


def _train(model: nn.Module, x: torch.Tensor, *, epochs: int, batch_size: int, lr: float, seed: int,
           step_for: Any = None, loss_fn: Any = None) -> None:
    """``epochs`` of the training loop on inputs ``x`` that are also the targets (the model reconstructs
    them): with ``loss_fn`` in the supervised step, or with ``step_for(model, optimizer)``'s step."""
    from goodfit.tasks import Reconstruction
    from goodfit.train.batching import MemoryBatches
    from goodfit.train.callbacks import TrainState
    from goodfit.train.loop import train_loop

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    batches = MemoryBatches(x, x, batch_size=min(batch_size, len(x)), seed=seed)
    state = TrainState(model, opt, None, epochs=epochs, steps_per_epoch=len(batches))
    train_loop(state, batches, valid=None, task=Reconstruction(), loss_fn=loss_fn,
               step=step_for(model, opt) if step_for is not None else None, device=x.device)
    model.eval()


class VAEDetector(Detector):
    """A VAE trained on normal data; ``score="elbo"``: minus the negative ELBO, ``"reconstruction"``:
    minus the reconstruction term only. Both decode the posterior mean (deterministic scores).

    Examples:
        >>> X = np.random.default_rng(0).random((256, 16)).astype(np.float32) * 0.2  # dark "images"
        >>> det = VAEDetector(latent=2, hidden=(32,), epochs=5).fit(X)
        >>> bool(det.score_samples(X[:1])[0] > det.score_samples(np.ones((1, 16)))[0])
        True
    """

    score_params = ("score",)

    def __init__(self, *, latent: int = 16, hidden: int | Sequence[int] = (256,), beta: float = 1.0,
                 score: str = "elbo", likelihood: str = "gaussian", sigma: float = 0.1, epochs: int = 10,
                 batch_size: int = 128, lr: float = 1e-3, contamination: float = 0.05, random_state: int = 0) -> None:
        self.latent = latent
        self.hidden = hidden
        self.beta = beta
        self.score = score
        self.likelihood = likelihood
        self.sigma = sigma
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X: np.ndarray) -> None:
        from goodfit.generative.train import VAEStep
        from goodfit.models.vae import VAE

        if self.score not in ("elbo", "reconstruction"):
            raise DetectorInputError(f"score={self.score!r} is unknown; choose elbo or reconstruction")
        if self.likelihood not in ("auto", "bernoulli", "gaussian"):
            raise DetectorInputError(f"likelihood={self.likelihood!r} is unknown; choose auto, bernoulli or gaussian")
        self.scaling_ = _Scaling(X)
        likelihood = self.likelihood if self.likelihood != "auto" else \
            ("bernoulli" if self.scaling_.unit else "gaussian")  # auto: as a generative VAE would
        if likelihood == "bernoulli" and not self.scaling_.unit:
            raise DetectorInputError("likelihood=bernoulli needs inputs in [0, 1]; use likelihood=gaussian")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            self.model_ = VAE((X.shape[1],), latent=self.latent, hidden=_sizes(self.hidden),
                              likelihood=likelihood, sigma=self.sigma)
            _train(self.model_, self.scaling_(X), step_for=lambda m, o: VAEStep(m, o, beta=self.beta),
                   epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, seed=self.random_state)

    @torch.inference_mode()
    def _score(self, X: np.ndarray) -> np.ndarray:
        from goodfit.models.vae import elbo_terms

        x = self.scaling_(X)
        out = []
        for i in range(0, len(x), 4096):
            recon, kl = elbo_terms(self.model_, x[i : i + 4096], sample=False)
            out.append(-(recon + kl) if self.score == "elbo" else -recon)
        return torch.cat(out).numpy()


class _AE(nn.Module):
    """A deterministic MLP auto-encoder D → hidden → latent → reversed(hidden) → D."""

    def __init__(self, d: int, hidden: tuple[int, ...], latent: int) -> None:
        super().__init__()
        sizes = [d, *hidden, latent]
        enc: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            enc += [nn.Linear(a, b), nn.ReLU()]
        self.encoder = nn.Sequential(*enc[:-1])  # linear code
        dec: list[nn.Module] = []
        for a, b in zip(sizes[::-1][:-1], sizes[::-1][1:]):
            dec += [nn.Linear(a, b), nn.ReLU()]
        self.decoder = nn.Sequential(*dec[:-1])  # linear output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def _ae_errors(model: _AE, x: torch.Tensor) -> torch.Tensor:
    return ((model(x) - x) ** 2).sum(1)  # (B,) squared reconstruction error


def _squared_error(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The auto-encoder's training loss: the mean over the batch of each sample's squared error."""
    return ((output - target) ** 2).sum(1).mean()


class AutoencoderDetector(Detector):
    """A deterministic auto-encoder; the score is minus the squared reconstruction error.

    Examples:
        >>> X = np.random.default_rng(0).random((256, 16)).astype(np.float32) * 0.2
        >>> det = AutoencoderDetector(latent=2, hidden=(32,), epochs=5).fit(X)
        >>> bool(det.score_samples(X[:1])[0] > det.score_samples(np.ones((1, 16)))[0])
        True
    """

    def __init__(self, *, latent: int = 16, hidden: int | Sequence[int] = (256,), epochs: int = 10,
                 batch_size: int = 128, lr: float = 1e-3, contamination: float = 0.05, random_state: int = 0) -> None:
        self.latent = latent
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X: np.ndarray) -> None:
        self.scaling_ = _Scaling(X)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            self.model_ = _AE(X.shape[1], _sizes(self.hidden), self.latent)
            _train(self.model_, self.scaling_(X), loss_fn=_squared_error, epochs=self.epochs,
                   batch_size=self.batch_size, lr=self.lr, seed=self.random_state)

    @torch.inference_mode()
    def _score(self, X: np.ndarray) -> np.ndarray:
        x = self.scaling_(X)
        return torch.cat([-_ae_errors(self.model_, x[i : i + 4096])
                          for i in range(0, len(x), 4096)]).numpy()


class MaxSoftmaxDetector(Detector):
    """The top softmax probability of a trained goodfit classifier (Hendrycks & Gimpel, 2017).

    For out-of-distribution tests: the classifier is trained beforehand on the in-distribution
    classes (``classifier``: a run folder or a :class:`~goodfit.trained.LoadedModel`); ``fit`` only
    sets ``threshold_``. ``X`` holds flattened inputs; ``input_scale`` turns them back into the
    classifier's raw units (255 for pixels given in [0, 1]).
    """

    min_samples = 1

    def __init__(self, *, classifier: str | Path | Any = None, input_scale: float = 255.0,
                 contamination: float = 0.05, device: str = "cpu") -> None:
        self.classifier = classifier
        self.input_scale = input_scale
        self.contamination = contamination
        self.device = device

    def _fit(self, X: np.ndarray) -> None:
        from goodfit.trained import LoadedModel, load_model

        if self.classifier is None:
            raise DetectorInputError("max-softmax needs a trained classifier: max-softmax[classifier=RUN_DIR]")
        clf = self.classifier
        self.classifier_ = clf if isinstance(clf, LoadedModel) else load_model(clf, device=self.device)
        n = int(np.prod(self.classifier_.input_shape))
        if X.shape[1] != n:
            raise DetectorInputError(f"the classifier takes {n} inputs {self.classifier_.input_shape}, X has "
                                     f"{X.shape[1]}; use the raw feature space with max-softmax")

    def _score(self, X: np.ndarray) -> np.ndarray:
        x = X.reshape(len(X), *self.classifier_.input_shape) * self.input_scale
        return self.classifier_.predict_proba(x, device=self.device).max(1)
