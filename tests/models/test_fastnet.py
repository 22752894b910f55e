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
