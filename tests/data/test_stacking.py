"""ImageStack: decoded images written row by row, on disk or in memory, mixed modes and sizes settled."""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from goodfit.data.stacking import ImageStack


@pytest.mark.parametrize("on_disk", [False, True])
def test_grey_and_colour_in_any_order_become_rgb_rows_in_order(tmp_path, on_disk):
    grey, colour = np.full((4, 5), 9, np.uint8), np.arange(60, dtype=np.uint8).reshape(4, 5, 3)
    stack = ImageStack(4, tmp_path / "x.npy" if on_disk else None)
    for i, im in enumerate([grey, colour, grey, colour]):
        stack.add(i, im)
    x, kept = stack.finish()
    assert x.shape == (4, 3, 4, 5) and kept.tolist() == [0, 1, 2, 3]
    assert (x[0] == 9).all() and (x[2] == 9).all()
    np.testing.assert_array_equal(x[1], colour.transpose(2, 0, 1))
    if on_disk:
        assert isinstance(x, np.memmap)
        assert [p.name for p in tmp_path.iterdir()] == [Path(x.filename).name]  # the widened copy alone
        np.testing.assert_array_equal(np.load(x.filename), x)


@pytest.mark.parametrize("on_disk", [False, True])
def test_images_of_another_size_are_counted_not_kept_and_left_out_rows_are_cut(tmp_path, on_disk):
    stack = ImageStack(5, tmp_path / "x.npy" if on_disk else None)
    stack.add(0, np.zeros((3, 3), np.uint8))
    stack.add(2, np.ones((3, 3), np.uint8))
    stack.add(3, np.zeros((4, 4), np.uint8))  # another size
    x, kept = stack.finish()
    assert stack.sizes == {(3, 3): 2, (4, 4): 1}
    assert x.shape == (2, 1, 3, 3) and kept.tolist() == [0, 2] and x[1].min() == 1
    if on_disk:
        assert len(list(tmp_path.iterdir())) == 1 and np.load(x.filename).shape == (2, 1, 3, 3)


def test_an_empty_stack_finishes_empty():
    x, kept = ImageStack(3).finish()
    assert x.shape[0] == 0 and kept.size == 0


def test_a_stack_on_disk_holds_no_more_than_one_image_in_memory(tmp_path):
    images = 300
    stack = ImageStack(images, tmp_path / "x.npy")
    tracemalloc.start()
    try:
        for i in range(images):
            stack.add(i, np.full((32, 32, 3), i % 256, np.uint8))
        x, _ = stack.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 32 * 3 * images / 10  # the stack itself (921,600 bytes) lives in the file
    assert int(x[299, 0, 0, 0]) == 299 % 256
