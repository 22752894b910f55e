"""The small ConvNet of the course's CIFAR-10 tutorial: three conv-ReLU-pool stages and a two-layer head.

The tutorial builds it with Xavier-uniform weights and every bias filled with 0.01, and trains it its
own way (a softmax before CrossEntropyLoss, an unshuffled train loader, the test split as validation)
to about 72 % validation accuracy. ``tutorial-convnet`` is that network as a goodfit model, so the same
layers can be trained goodfit's way and compared (``examples/cifar10_tutorial.py`` is the tutorial's
way; ``bench/tutorial.py`` runs both). It returns logits: the loss owns the softmax.

The tutorial's text is not part of this repository; the layer sizes are the common course layout
(32-64-128 filters of 3×3, 2×2 max-pooling, a 256-unit hidden layer), recorded here so that the
comparison is exact about what was trained.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from goodfit.models.init import init_weights

__all__ = ["TutorialConvNet", "TUTORIAL_CHANNELS", "TUTORIAL_HIDDEN", "TUTORIAL_BIAS"]

TUTORIAL_CHANNELS = (32, 64, 128)
TUTORIAL_HIDDEN = 256
TUTORIAL_BIAS = 0.01  # the tutorial's bias fill: every ReLU starts slightly active


class TutorialConvNet(nn.Module):
    """conv3×3-ReLU-maxpool per entry of ``channels``, then flatten → ``hidden`` → ReLU → ``n_classes``.

    Weights start Xavier-uniform with biases at 0.01, as in the tutorial. Options the tutorial does not
    use (off by default): ``batchnorm`` after each convolution, ``dropout`` before each linear layer.

    Examples:
        >>> net = TutorialConvNet((3, 32, 32), 10)
        >>> net(torch.zeros(2, 3, 32, 32)).shape, sum(p.numel() for p in net.parameters())
        (torch.Size([2, 10]), 620362)
        >>> net.features[0].bias.unique().tolist()
        [0.009999999776482582]
    """

    def __init__(self, input_shape: Sequence[int], n_classes: int, *, channels: Sequence[int] = TUTORIAL_CHANNELS,
                 hidden: int = TUTORIAL_HIDDEN, dropout: float = 0.0, batchnorm: bool = False) -> None:
        super().__init__()
        c_in, height, width = input_shape
        layers: list[nn.Module] = []
        for c in channels:
            layers.append(nn.Conv2d(c_in, c, 3, padding=1))
            if batchnorm:
                layers.append(nn.BatchNorm2d(c))
            layers += [nn.ReLU(), nn.MaxPool2d(2)]
            c_in, height, width = c, height // 2, width // 2
        self.features = nn.Sequential(*layers)

        def drop() -> list[nn.Module]:
            return [nn.Dropout(dropout)] if dropout > 0 else []

        self.head = nn.Sequential(nn.Flatten(), *drop(), nn.Linear(c_in * height * width, hidden), nn.ReLU(),
                                  *drop(), nn.Linear(hidden, n_classes))
        init_weights(self, "xavier", bias=TUTORIAL_BIAS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, n_classes) logits
        return self.head(self.features(x))
