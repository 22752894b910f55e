"""Evaluation: eval mode, batches, and mirror-image test-time augmentation (train.tta=flip)."""

import pytest
import torch
from torch import nn

from goodfit.errors import ConfigError
from goodfit.train.evaluate import evaluate_split, predict_logits


class LeftHalf(nn.Module):
    """Two logits: the mean of the left half of the image, and minus it (it sees only one side)."""

    def forward(self, x):
        left = x[..., : x.shape[-1] // 2].mean(dim=(1, 2, 3))
        return torch.stack([left, -left], dim=1)


def test_flip_averages_the_image_and_its_mirror():
    x = torch.zeros(3, 1, 4, 6)
    x[..., :3] = 1.0  # bright left half, dark right half
    plain = predict_logits(LeftHalf(), x)
    both = predict_logits(LeftHalf(), x, tta="flip", batch_size=2)
    assert torch.allclose(plain[:, 0], torch.ones(3))
    assert torch.allclose(both[:, 0], torch.full((3,), 0.5))  # (left mean 1 + mirrored left mean 0) / 2


def test_flip_mirrors_image_outputs_back_before_averaging():
    identity = nn.Identity()
    x = torch.randn(2, 1, 5, 7)
    assert torch.allclose(predict_logits(identity, x, tta="flip"), x)  # not a blur of x and its mirror


def test_flip_is_for_images_and_unknown_kinds_are_refused():
    with pytest.raises(ConfigError, match="train.tta=flip mirrors images"):
        predict_logits(nn.Linear(4, 2), torch.zeros(3, 4), tta="flip")
    with pytest.raises(ConfigError, match="unknown train.tta='rotate'"):
        predict_logits(nn.Linear(4, 2), torch.zeros(3, 4), tta="rotate")


def test_evaluate_split_passes_tta_on():
    x = torch.zeros(4, 1, 2, 2)
    x[..., 0] = 3.0
    y = torch.zeros(4, dtype=torch.long)
    _, plain = evaluate_split(LeftHalf(), x, y, n_classes=2)
    _, both = evaluate_split(LeftHalf(), x, y, n_classes=2, tta="flip")
    assert plain[0, 0] == 3.0 and both[0, 0] == 1.5


class TopLeft(nn.Module):
    """One logit per image: its top-left pixel, so a one-pixel move changes it."""

    def forward(self, x):
        return x[:, 0, 0, :1]  # (B, 1)


def test_flip_translate_weights_the_image_half_and_each_moved_copy_a_quarter():
    """airbench94's level-2 views, checked by hand: a pixel grid whose values say where they are."""
    x = torch.arange(16.0).view(1, 1, 4, 4)  # row r, column c holds 4r + c
    out = predict_logits(TopLeft(), x, tta="flip-translate")
    # views: x (0), its mirror (3); moved up-left with reflection: x[1, 1] (5) and its mirror's (6);
    # moved down-right: x[0, 0] of the padded crop at (2, 2) -> x[1, 1] (5), mirror 6
    flip, up_left, down_right = (0 + 3) / 2, (5 + 6) / 2, (5 + 6) / 2
    assert out.item() == pytest.approx(flip / 2 + (up_left + down_right) / 4)


def test_flip_translate_is_for_class_scores_only():
    with pytest.raises(ConfigError, match="flip-translate moves the image"):
        predict_logits(nn.Identity(), torch.randn(2, 1, 5, 5), tta="flip-translate")
    with pytest.raises(ConfigError, match="train.tta=flip-translate mirrors images"):
        predict_logits(nn.Linear(4, 2), torch.zeros(3, 4), tta="flip-translate")


def test_rows_streamed_from_disk_are_predicted_chunk_by_chunk_as_the_whole_split():
    import numpy as np

    from goodfit.data.streaming import ScaledRows

    raw = np.random.default_rng(0).integers(0, 256, (37, 1, 4, 4), dtype=np.uint8)
    rows = ScaledRows(raw, np.arange(37)[::-1].copy(), shift=np.float32(100), scale=np.float32(50))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3)).double()  # float64: inputs follow
    streamed = predict_logits(model, rows, batch_size=8, tta="flip")
    whole = predict_logits(model, torch.from_numpy(rows[:]), batch_size=37, tta="flip")
    assert streamed.dtype == torch.float32 and torch.allclose(streamed, whole, atol=1e-6)
