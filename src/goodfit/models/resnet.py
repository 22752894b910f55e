"""torchvision's ResNet-18, adapted to small images (3×3 stem, no max-pool), as for CIFAR."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

__all__ = ["resnet18_small"]


def resnet18_small(input_shape: Sequence[int], n_classes: int) -> nn.Module:
    """ResNet-18 whose stem keeps 28×28 / 32×32 resolution (the ImageNet stem would shrink it 4×).

    Examples:
        >>> import torch
        >>> resnet18_small((1, 28, 28), 10)(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """
    from torchvision.models import resnet18

    model = resnet18(weights=None, num_classes=n_classes)
    model.conv1 = nn.Conv2d(input_shape[0], 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model
