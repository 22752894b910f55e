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
