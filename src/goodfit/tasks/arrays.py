"""Array-to-array tasks, where the target is a tensor of the input's kind: ``reconstruction`` (the
target is the input itself: an autoencoder) and ``denoising`` (the input is the clean target plus
seeded Gaussian noise: fresh noise for every training batch, fixed noise for validation and test).

Metrics: MSE and the mean per-image PSNR, over the value range of the (scaled) training inputs
(1.0 with ``data.scaling=minmax01``). Baselines: the mean training image (reconstruction), the noisy
input itself (denoising: a model must improve on doing nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from goodfit.errors import ConfigError
from goodfit.metrics import image_summary, psnr
from goodfit.tasks.base import Corrupt, Task

if TYPE_CHECKING:
    from goodfit.config import DataConfig, OptimConfig

__all__ = ["Reconstruction", "Denoising"]


class Reconstruction(Task):
    """Reproduce the input (an autoencoder); the model outputs the input's shape.

    Examples:
        >>> task = Reconstruction().fit(np.array([[0.0, 1.0]]), np.array([0]), classes=("a",))
        >>> x, y = task.pair(np.ones((3, 2), np.float32), np.zeros(3), seed=0, train=False)
        >>> y is x, task.output_shape((2,)), task.data_range
        (True, (2,), 1.0)
    """

    name = "reconstruction"
    losses = ("mse", "l1", "huber")
    score, score_key = "psnr", "valid_psnr"
    score_range = (0.0, 100.0)
    summary = ("psnr", "mse", "loss")
    baseline = "mean"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_range = 1.0  # max - min of the scaled training inputs: PSNR's peak

    def fit(self, x_train: np.ndarray, y_train: np.ndarray, *, classes: tuple[str, ...]) -> Reconstruction:
        if len(x_train):
            self.data_range = float(x_train.max() - x_train.min()) or 1.0
        return self

    def pair(self, x: np.ndarray, y: np.ndarray, *, seed: int, train: bool) -> tuple[np.ndarray, np.ndarray]:
        return x, x  # the same array: no copy

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def valid_numbers(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        return {"valid_loss": self.loss(outputs, targets),
                "valid_psnr": psnr(targets.numpy(), outputs.float().numpy(), data_range=self.data_range)}

    def evaluate(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, Any]:
        metrics = image_summary(targets.numpy(), outputs.float().numpy(), data_range=self.data_range)
        return {"loss": self.loss(outputs, targets), **metrics, "data_range": self.data_range}

    def baselines(self, train_targets: torch.Tensor, test_inputs: torch.Tensor,
                  test_targets: torch.Tensor) -> dict[str, Any]:
        mean = train_targets.mean(0, keepdim=True).expand_as(test_targets)
        return {"mean": image_summary(test_targets.numpy(), mean.numpy(), data_range=self.data_range),
                "chance_loss": self.loss(mean, test_targets)}

    def decode(self, outputs: torch.Tensor) -> np.ndarray:
        return outputs.float().numpy()

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "data_range": self.data_range}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.data_range = float(state["data_range"])


class Denoising(Reconstruction):
    """Recover the clean input from ``input + N(0, noise_std²)`` (``data.noise_std``, in the scaled
    inputs' units: with ``data.scaling=minmax01``, a fraction of the value range).

    Examples:
        >>> task = Denoising(noise_std=0.5).fit(np.array([[0.0, 1.0]]), np.array([0]), classes=("a",))
        >>> noisy, clean = task.pair(np.zeros((2, 4), np.float32), np.zeros(2), seed=0, train=False)
        >>> bool((noisy != clean).all()), float(clean.sum())
        (True, 0.0)
    """

    name = "denoising"
    baseline = "identity"

    def __init__(self, *, noise_std: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not noise_std > 0:
            raise ConfigError(f"data.noise_std={noise_std}: denoising needs noise, > 0 (e.g. 0.3)")
        self.noise_std = float(noise_std)

    @classmethod
    def from_config(cls, data: DataConfig, optim: OptimConfig) -> Denoising:
        super().from_config(data, optim)  # rejects other tasks' options
        return cls(loss=optim.loss, label_smoothing=optim.label_smoothing, noise_std=data.noise_std)

    def pair(self, x: np.ndarray, y: np.ndarray, *, seed: int, train: bool) -> tuple[np.ndarray, np.ndarray]:
        if train:  # fresh noise per batch, from corrupt()
            return x, x
        noise = np.random.default_rng(seed).normal(0.0, self.noise_std, size=x.shape).astype(np.float32)
        return x + noise, x

    def corrupt(self) -> Corrupt:
        std = self.noise_std

        def add_noise(xb: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
            noise = torch.randn(xb.shape, generator=generator, device=xb.device, dtype=xb.dtype)
            return xb + std * noise

        return add_noise

    def baselines(self, train_targets: torch.Tensor, test_inputs: torch.Tensor,
                  test_targets: torch.Tensor) -> dict[str, Any]:
        noisy = test_inputs.to(test_targets.dtype)  # doing nothing: the noisy input as the answer
        return {"identity": image_summary(test_targets.numpy(), noisy.numpy(), data_range=self.data_range),
                "chance_loss": self.loss(noisy, test_targets)}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "noise_std": self.noise_std}
