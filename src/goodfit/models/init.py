"""Weight initialization (``model.init``, ``model.init_bias``) for the layers that have weights.

``default`` keeps each model's own initialization (PyTorch's for most layers: Kaiming-uniform with
``a=sqrt(5)``, i.e. uniform in ±1/sqrt(fan_in)). ``xavier`` is Glorot & Bengio (2010), uniform,
gain 1 (Keras' ``glorot_uniform``); ``kaiming`` is He et al. (2015), normal, fan-in, for the model's
activation; ``dirac`` (airbench) starts each convolution as the identity on its input channels: the
first ``in_channels`` filters pass their own channel through unchanged (``nn.init.dirac_``), the others
keep PyTorch's initialization, and linear layers too. All three set biases to zero unless
``init_bias`` fills them with a constant (the "bias fill" of many tutorials, e.g. 0.01 so that ReLUs
start active). Normalization layers keep weight 1, bias 0.

Examples:
    >>> import torch
    >>> from torch import nn
    >>> layer = init_weights(nn.Linear(400, 100), "xavier", bias=0.01)
    >>> bound = (6 / (400 + 100)) ** 0.5                      # Glorot's uniform bound
    >>> bool(layer.weight.abs().max() <= bound), layer.bias.unique().tolist()
    (True, [0.009999999776482582])
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch
from torch import nn

from goodfit.errors import ConfigError

__all__ = ["INITS", "DATA_INIT_SAMPLES", "init_from_data", "init_weights"]

INITS = ("default", "xavier", "kaiming", "dirac")
DATA_INIT_SAMPLES = 5000  # training inputs a data-dependent initialization sees (airbench's whitening: 5,000)
_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
M = TypeVar("M", bound=nn.Module)
_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_KAIMING_NONLINEARITY = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid"}


def init_weights(model: M, scheme: str = "default", *, bias: float | None = None, activation: str = "relu") -> M:
    """Initialize ``model``'s linear and convolution layers in place, the ``scheme`` way; returns it.

    Args:
        model: any module; its ``Linear`` / ``Conv*`` / ``ConvTranspose*`` layers are initialized.
        scheme: ``default`` (leave weights as they are), ``xavier``, ``kaiming`` or ``dirac``.
        bias: fill every such layer's bias with this value; ``None``: zero for ``xavier`` and
            ``kaiming``, unchanged for ``default``.
        activation: the activation that follows the layers (Kaiming's gain); GELU, SiLU and ELU use ReLU's.
    """
    if scheme not in INITS:
        raise ConfigError(f"unknown model.init={scheme!r}; choose one of {', '.join(INITS)}")
    nonlinearity = _KAIMING_NONLINEARITY.get(activation, "relu")
    for module in model.modules():
        if not isinstance(module, _WEIGHTED):
            continue
        if scheme == "xavier":
            nn.init.xavier_uniform_(module.weight)
        elif scheme == "kaiming":
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity=nonlinearity)
        elif scheme == "dirac" and isinstance(module, _CONV) and module.groups == 1:
            with torch.no_grad():  # the first in_channels filters of (out, in, k...): a view, set in place
                nn.init.dirac_(module.weight[: module.in_channels])
        if module.bias is not None and (bias is not None or scheme != "default"):
            nn.init.constant_(module.bias, 0.0 if bias is None else bias)
    return model


def init_from_data(model: M, x: torch.Tensor | np.ndarray, *, seed: int = 0, n: int = DATA_INIT_SAMPLES) -> M:
    """Hand a model whose initialization depends on the data (one with an ``init_from_data(x)`` method,
    such as fastnet's whitening stem) up to ``n`` training inputs ``x``, a random choice seeded by
    ``seed``, on the model's device; any other model is returned as it is.

    Examples:
        >>> init_from_data(nn.Linear(2, 2), np.zeros((10, 2), np.float32)).out_features
        2
    """
    if not callable(getattr(model, "init_from_data", None)):
        return model
    idx = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    param = next(model.parameters())
    model.init_from_data(torch.as_tensor(x[idx]).to(param.device, param.dtype))
    return model
