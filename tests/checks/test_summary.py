"""A split's summary, batch by batch or from whole arrays, against numpy in float64 and the hash's own
definition: the numbers the data rules read."""

import math

import numpy as np
import pytest
import torch

from goodfit.checks.summary import HEAD, SCALED_LIMIT, DataSummary
from goodfit.data.explore import row_hashes


def _batched(x, y, size):
    s = DataSummary()
    for i in range(0, len(x), size):
        s.add(x[i : i + size], y[i : i + size])
    return s


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (1000.0, 1.0), (5.0, 1e-3)])
def test_moments_match_float64_numpy_also_far_from_zero(offset, scale):
    x = torch.randn(3000, 7, generator=torch.Generator().manual_seed(0)) * scale + offset
    ref = x.double().numpy()
    for s in (DataSummary.of(x, torch.zeros(3000)), _batched(x, torch.zeros(3000), 64)):
        mean, std, lo, hi = s.moments()
        assert mean == pytest.approx(ref.mean(), rel=1e-7, abs=1e-7)  # float32 pairwise sums; the rules need 1e-3
        assert std == pytest.approx(ref.std(), rel=1e-5)
        assert (lo, hi) == (ref.min(), ref.max())  # exact: the values themselves


def test_nan_and_inf_are_counted_and_left_out_of_the_moments():
    x = torch.arange(20.0).reshape(5, 4)
    x[1, 2], x[3, 0] = float("nan"), float("inf")
    s = _batched(x, torch.zeros(5), 2)
    finite = x[torch.isfinite(x)].double().numpy()
    assert (s.nonfinite, s.values, s.finite_values) == (2, 20, 18)
    assert s.moments() == pytest.approx((finite.mean(), finite.std(), 0.0, 19.0))


def test_values_beyond_the_scaled_limit_are_counted_exactly():
    x = torch.zeros(100, 10)
    x[::7, 3] = SCALED_LIMIT + 1  # 15 values
    x[50:, 0] = -(SCALED_LIMIT + 5)  # 50 more, all in later batches
    x[0, 0] = SCALED_LIMIT  # on the limit: not beyond
    assert _batched(x, torch.zeros(100), 16).beyond == int((x.abs() > SCALED_LIMIT).sum()) == 65


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8, torch.float64, torch.int64])
def test_row_hashes_are_those_of_the_whole_array(dtype):
    x = (torch.rand(300, 3, 5, generator=torch.Generator().manual_seed(1)) * 100).to(dtype)
    s = _batched(x, torch.zeros(300), 32)
    assert list(s.hashes) == list(row_hashes(x.numpy()))


def test_bfloat16_inputs_are_hashed_by_their_bytes_and_measured_as_float32():
    x = torch.randn(40, 6, generator=torch.Generator().manual_seed(2)).to(torch.bfloat16)
    s = DataSummary.of(x, torch.zeros(40))
    assert list(s.hashes) == list(row_hashes(x.view(torch.int16).numpy()))
    assert s.moments()[0] == pytest.approx(x.double().mean().item(), rel=1e-9)


def test_identical_rows_only_when_every_row_is_the_same():
    n = HEAD + 100
    same = torch.full((n, 4), 3.0)
    assert DataSummary.of(same, torch.zeros(n)).identical_rows
    differ = same.clone()
    differ[HEAD + 10, 1] = 4.0  # beyond the first rows kept: the hashes still see it
    assert not DataSummary.of(differ, torch.zeros(n)).identical_rows
    differ = same.clone()
    differ[1, 0] = 0.0
    assert not DataSummary.of(differ, torch.zeros(n)).identical_rows
    assert not DataSummary.of(same[:1], torch.zeros(1)).identical_rows  # one row is no evidence


def test_the_first_rows_and_every_small_target_are_kept_in_order():
    x, y = torch.arange(3 * HEAD * 2.0).reshape(3 * HEAD, 2), torch.arange(3 * HEAD) % 10
    s = _batched(x, y, 300)
    assert torch.equal(s.head[0], x[:HEAD]) and torch.equal(s.head[1], y[:HEAD])
    assert torch.equal(s.targets, y)


def test_targets_as_large_as_images_are_not_kept():
    x = torch.randn(10, 100)
    s = _batched(x, x.clone(), 4)  # an autoencoder's targets
    assert s.targets is None and torch.equal(s.head[1], x)


def test_a_frozen_copy_ignores_later_batches():
    s = DataSummary()
    s.add(torch.ones(3, 2), torch.zeros(3))
    frozen = s.frozen()
    s.add(torch.full((3, 2), 9.0), torch.ones(3))
    assert (frozen.rows, len(frozen.hashes), len(frozen.targets), frozen.moments()[3]) == (3, 3, 3, 1.0)
    assert (s.rows, len(s.hashes), len(s.targets), s.moments()[3]) == (6, 6, 6, 9.0)


def test_an_empty_summary_has_no_numbers():
    s = DataSummary.of(torch.zeros(0, 3), torch.zeros(0))
    assert s.rows == 0 and all(math.isnan(v) for v in s.moments()) and len(s.hashes) == 0
    assert not s.identical_rows and np.asarray(s.hashes).dtype == np.uint64


def test_whole_numbers_in_the_first_rows_are_noticed_batch_by_batch():
    pixels = torch.randint(0, 256, (HEAD + 40, 4), generator=torch.Generator().manual_seed(3)).float()
    assert DataSummary.of(pixels, torch.zeros(len(pixels))).integral
    assert _batched(pixels, torch.zeros(len(pixels)), 16).integral
    assert not _batched(pixels / 255, torch.zeros(len(pixels)), 16).integral
    late = pixels.clone()
    late[HEAD + 5, 0] = 0.5  # beyond the first rows: not looked at
    assert _batched(late, torch.zeros(len(late)), 16).integral
    late[HEAD - 1, 3] = 0.5
    assert not _batched(late, torch.zeros(len(late)), 16).integral
    assert DataSummary.of(torch.randint(0, 9, (10, 3)), torch.zeros(10)).integral  # an integer dtype


@pytest.mark.parametrize("view", ["columns", "transposed", "bfloat16 strided"])
def test_batches_that_are_views_hash_like_their_copies(view):
    x = torch.randn(50, 10, generator=torch.Generator().manual_seed(4))
    t = {"columns": x[:, :5], "transposed": x.t()[:, :7], "bfloat16 strided": x.to(torch.bfloat16)[:, ::2]}[view]
    ref = t.contiguous()
    ref = ref.view(torch.int16) if ref.dtype == torch.bfloat16 else ref
    assert list(_batched(t, torch.zeros(len(t)), 8).hashes) == list(row_hashes(ref.numpy()))
