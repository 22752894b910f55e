"""Models: an explicit registry. Every model maps ``(B, *input_shape)`` inputs to ``(B, *output_shape)``
outputs: ``(B, C)`` logits for C classes, ``(B, 1)`` for a binary logit, ``(B, K)`` for K regression
targets, or the input's own shape for reconstruction and denoising (the task says which). The loss
owns any softmax or sigmoid. Names load on first use (:mod:`goodfit.lazy`).

Examples:
    >>> from goodfit.models import create_model
    >>> from goodfit.config import ModelConfig
    >>> model = create_model(ModelConfig(name="mlp"), input_shape=(1, 28, 28), output_shape=(10,))
    >>> sum(p.numel() for p in model.parameters())
    59210
"""

from typing import TYPE_CHECKING

from goodfit.lazy import lazy_exports

__all__ = [
    "AnalogMLP",
    "check_model_options",
    "ConvNet",
    "create_model",
    "FastNet",
    "init_from_data",
    "init_weights",
    "INITS",
    "MLP",
    "MODEL_OPTIONS",
    "model_options",
    "MODELS",
    "resnet18_small",
    "TutorialConvNet",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "goodfit.models.registry": ("MODELS", "MODEL_OPTIONS", "check_model_options", "model_options", "create_model"),
    "goodfit.models.analog.mlp": ("AnalogMLP",),
    "goodfit.models.convnet": ("ConvNet",),
    "goodfit.models.fastnet": ("FastNet",),
    "goodfit.models.init": ("INITS", "init_from_data", "init_weights"),
    "goodfit.models.mlp": ("MLP",),
    "goodfit.models.resnet": ("resnet18_small",),
    "goodfit.models.tutorial": ("TutorialConvNet",),
})

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from goodfit.models.analog.mlp import AnalogMLP  # noqa: F401
    from goodfit.models.convnet import ConvNet  # noqa: F401
    from goodfit.models.fastnet import FastNet  # noqa: F401
    from goodfit.models.init import INITS, init_from_data, init_weights  # noqa: F401
    from goodfit.models.mlp import MLP  # noqa: F401
    from goodfit.models.registry import (  # noqa: F401
        MODEL_OPTIONS,
        MODELS,
        check_model_options,
        create_model,
        model_options,
    )
    from goodfit.models.resnet import resnet18_small  # noqa: F401
    from goodfit.models.tutorial import TutorialConvNet  # noqa: F401
