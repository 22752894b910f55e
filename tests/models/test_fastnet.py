"""fastnet: airbench's layout (2x2 stem, conv-pool-BN-GELU blocks, global max-pool, scaled linear head)."""

import torch
from torch import nn

from goodfit.config import ModelConfig
from goodfit.models import FastNet, create_model


def test_layout_follows_airbench():
    model = FastNet((3, 32, 32), 10)
    x = model.stem(torch.zeros(1, 3, 32, 32))
    sizes = [tuple(x.shape[1:])]
    for block in model.blocks:
        x = block(x)
        sizes.append(tuple(x.shape[1:]))
    assert sizes == [(24, 31, 31), (64, 15, 15), (256, 7, 7), (256, 3, 3)]
    assert model.head.bias is None and isinstance(model.blocks[0][3], nn.GELU)


def test_widths_and_activation_come_from_the_config():
    model = create_model(ModelConfig(name="fastnet", channels=(8, 16), activation="relu"), input_shape=(1, 28, 28),
                         n_classes=3)
    assert [b[0].out_channels for b in model.blocks] == [8, 16] and isinstance(model.blocks[0][3], nn.ReLU)


def test_logits_start_small():
    torch.manual_seed(0)
    out = FastNet((3, 32, 32), 10).eval()(torch.randn(64, 3, 32, 32))
    assert out.abs().max() < 1.0  # scaled by 1/9: a cross-entropy near ln(10) at the start


def _correlated_images(n=400, size=12):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, size, size, generator=g)
    return x + 0.8 * x.roll(1, -1) + 0.5 * x[:, :1]  # neighbouring pixels and channels correlated


def test_whitening_stem_makes_the_patches_second_moment_the_identity():
    """The closed form: filters v / sqrt(λ + eps) of the 2x2 patches' second-moment matrix turn it into
    diag(λ / (λ + eps)), the identity up to eps, and the negated half mirrors the first."""
    x = _correlated_images()
    model = FastNet((3, 12, 12), 10, whiten=True)
    model.init_from_data(x)
    conv = model.stem[0]
    out = conv(x).detach()  # (N, 24, 11, 11), bias zero
    z = out[:, :12].permute(0, 2, 3, 1).reshape(-1, 12)
    moment = z.T @ z / len(z)
    assert torch.allclose(moment, torch.eye(12), atol=2e-3)
    assert torch.equal(conv.weight[12:], -conv.weight[:12]) and not conv.weight.requires_grad
    assert conv.bias.requires_grad and conv.out_channels == 24 and not isinstance(model.stem[1], nn.BatchNorm2d)


def test_without_whitening_nothing_depends_on_data():
    model = FastNet((3, 12, 12), 10)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.init_from_data(_correlated_images())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.requires_grad for p in model.parameters())


def test_batchnorm_options_fix_the_scales_and_set_the_momentum():
    model = create_model(ModelConfig(name="fastnet", bn_fixed_scale=True, bn_momentum=0.4), input_shape=(3, 32, 32),
                         n_classes=10)
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 7 and all(m.momentum == 0.4 for m in norms)
    assert all(not m.weight.requires_grad and m.bias.requires_grad for m in norms)
