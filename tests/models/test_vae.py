"""The VAE: shapes for both variants, the ELBO's terms, errors for unusable shapes."""

import math

import pytest
import torch

from goodfit.errors import ConfigError
from goodfit.models.vae import VAE, elbo_terms


@pytest.mark.parametrize("variant", ["mlp", "conv"])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_vae_shapes(variant, shape):
    vae = VAE(shape, latent=3, variant=variant)
    logits, mu, logvar = vae(torch.rand(2, *shape))
    assert logits.shape == (2, *shape) and mu.shape == logvar.shape == (2, 3)
    assert vae.mean_image(torch.zeros(4, 3)).shape == (4, *shape)


def test_elbo_terms_match_a_hand_computation():
    torch.manual_seed(0)
    vae = VAE((4,), latent=2, hidden=(8,), likelihood="gaussian", sigma=0.5)
    x = torch.randn(3, 4)
    recon, kl = elbo_terms(vae, x, sample=False)
    mu, logvar = vae.encode(x)
    out = vae.decode(mu)
    expected = (0.5 * ((out - x) / 0.5) ** 2 + math.log(0.5) + 0.5 * math.log(2 * math.pi)).sum(1)
    torch.testing.assert_close(recon, expected)
    torch.testing.assert_close(kl, 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1))
    assert (kl >= 0).all()


def test_bernoulli_reconstruction_is_binary_cross_entropy():
    vae = VAE((1, 4, 4), latent=2, hidden=(8,))
    x = torch.rand(2, 1, 4, 4)
    recon, _ = elbo_terms(vae, x, sample=False)
    logits = vae.decode(vae.encode(x)[0])
    ref = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    torch.testing.assert_close(recon, ref)


def test_vae_errors():
    with pytest.raises(ConfigError, match="divisible by 4"):
        VAE((1, 30, 30), variant="conv")
    with pytest.raises(ConfigError, match="variant=mlp for tables"):
        VAE((10,), variant="conv")
    with pytest.raises(ConfigError, match="mlp or conv"):
        VAE((10,), variant="rnn")
    with pytest.raises(ConfigError, match="latent must be >= 1"):
        VAE((10,), latent=0)
