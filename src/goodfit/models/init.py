"""Weight initialization (``model.init``, ``model.init_bias``) for the layers that have weights.

``default`` keeps each model's own initialization (PyTorch's for most layers: Kaiming-uniform with
``a=sqrt(5)``, i.e. uniform in ±1/sqrt(fan_in)). ``xavier`` is Glorot & Bengio (2010), uniform,
gain 1 (Keras' ``glorot_uniform``); ``kaiming`` is He et al. (2015), normal, fan-in, for the model's
activation. Both set biases to zero unless ``init_bias`` fills them with a constant (the "bias fill"
of many tutorials, e.g. 0.01 so that ReLUs start active). Normalization layers keep weight 1, bias 0.

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

from torch import nn

from goodfit.errors import ConfigError

__all__ = ["INITS", "init_weights"]

INITS = ("default", "xavier", "kaiming")
M = TypeVar("M", bound=nn.Module)
_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_KAIMING_NONLINEARITY = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid"}


def init_weights(model: M, scheme: str = "default", *, bias: float | None = None, activation: str = "relu") -> M:
    """Initialize ``model``'s linear and convolution layers in place, the ``scheme`` way; returns it.

    Args:
        model: any module; its ``Linear`` / ``Conv*`` / ``ConvTranspose*`` layers are initialized.
        scheme: ``default`` (leave weights as they are), ``xavier`` or ``kaiming``.
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
        if module.bias is not None and (bias is not None or scheme != "default"):
            nn.init.constant_(module.bias, 0.0 if bias is None else bias)
    return model
