"""The DCGAN: pixel ranges, shapes, DCGAN initialization, shape errors."""

import pytest
import torch

from goodfit.errors import ConfigError
from goodfit.models.gan import GAN


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_gan_shapes_and_ranges(shape):
    torch.manual_seed(0)
    gan = GAN(shape, latent=8, width=8)
    x = gan(torch.randn(5, 8))
    assert x.shape == (5, *shape) and x.min() >= 0 and x.max() <= 1
    assert gan.discriminator(x).shape == (5,)
    conv = gan.discriminator.net[0]
    assert abs(float(conv.weight.detach().std()) - 0.02) < 0.01  # N(0, 0.02) init


def test_gan_needs_images_divisible_by_4():
    with pytest.raises(ConfigError, match="divisible by 4"):
        GAN((1, 30, 30))
    with pytest.raises(ConfigError, match="divisible by 4"):
        GAN((10,))
