import torch
import torch.nn.functional as F

from goodfit.train.augment import _affine_grid, make_augment, random_affine


def test_affine_grid_matches_torch():
    theta = torch.randn(5, 2, 3)
    ref = F.affine_grid(theta, [5, 1, 9, 7], align_corners=False)
    torch.testing.assert_close(_affine_grid(theta, 9, 7), ref)


def test_zero_shift_zero_rotation_is_identity():
    x = torch.rand(4, 1, 10, 10)
    out = random_affine(x, torch.Generator().manual_seed(0), max_shift=0.0, max_degrees=0.0)
    torch.testing.assert_close(out, x, atol=1e-5, rtol=0)


def test_shift_moves_each_sample_differently_and_keeps_background():
    x = torch.full((8, 1, 28, 28), -0.5)
    x[:, :, 10:18, 10:18] = 2.0
    out = make_augment("shift")(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert out.min() >= -0.5 - 1e-5  # filled with the background value, not zeros
    assert len({tuple(o.flatten().argmax().tolist() for o in out[:, None])}) > 1 or not torch.equal(out[0], out[1])


def test_crop_flip_flips_some():
    x = torch.arange(32.0).view(1, 1, 1, 32).repeat(64, 3, 32, 1)
    out = make_augment("crop-flip")(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and make_augment("none") is None


def test_spectrogram_augmentation_warps_shifts_and_masks_each_sample():
    from goodfit.train.augment import make_augment, random_spectrogram

    x = torch.randn(16, 1, 40, 81)
    out = make_augment("spectrogram")(x, torch.Generator().manual_seed(0))
    again = random_spectrogram(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.equal(out, again)  # seeded: reproducible
    floor = x.amin(dim=(1, 2, 3), keepdim=True)
    masked = (out == floor).float().mean(dim=(1, 2, 3))
    assert (masked > 0).sum() >= 12  # most samples lose a band or some frames (a draw of 0 is allowed)
    # with no shift, no warp and no masks, the spectrogram is unchanged
    same = random_spectrogram(x, None, max_shift=0.0, max_warp=0.0, max_band=0, max_frames=0)
    torch.testing.assert_close(same, x, atol=1e-4, rtol=0)  # (float32 grid round-off)


def test_random_crop_cuts_the_reflect_padded_image_at_every_offset():
    """Checked against numpy's reflect padding and plain slicing, offset by offset."""
    import numpy as np

    from goodfit.train.augment import random_crop

    torch.manual_seed(0)
    x = torch.randn(400, 3, 8, 8)
    out = random_crop(x, torch.Generator().manual_seed(1), pad=2)
    assert out.shape == x.shape
    seen = set()
    for img, crop in zip(x.numpy(), out.numpy()):
        padded = np.pad(img, ((0, 0), (2, 2), (2, 2)), mode="reflect")
        match = [(dy, dx) for dy in range(5) for dx in range(5)
                 if np.array_equal(padded[:, dy:dy + 8, dx:dx + 8], crop)]
        assert match, "every output is one crop of the reflect-padded input"
        seen.add(match[0])
    assert len(seen) == 25  # every offset drawn
    assert torch.equal(random_crop(x, None, pad=0), x)
    assert torch.equal(out, random_crop(x, torch.Generator().manual_seed(1), pad=2))  # seeded


def test_random_cutout_zeroes_one_square_clipped_at_the_border():
    from goodfit.train.augment import random_cutout

    x = torch.ones(500, 1, 32, 32)
    out = random_cutout(x, torch.Generator().manual_seed(0), size=12)
    holes = (out == 0).sum(dim=(1, 2, 3))
    assert holes.max() == 144 and holes.min() >= 36  # whole inside; at least a quarter at a corner
    assert ((out == 0) | (out == 1)).all()
    assert make_augment("crop-flip-cutout")(torch.randn(4, 3, 32, 32), None).shape == (4, 3, 32, 32)
