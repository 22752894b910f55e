"""Freed memory kept for reuse: big blocks come from the heap while it is on, from mmap when it is off,
and the results of a run are the same either way."""

import ctypes

import numpy as np
import pytest

from goodfit import Config, apply_overrides, fit
from goodfit.train import memory
from goodfit.train.memory import reused_memory

libc = memory._glibc()
needs_glibc = pytest.mark.skipif(libc is None or not hasattr(libc, "mallinfo2"), reason="glibc >= 2.33 only")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _mmapped_bytes() -> int:
    libc.mallinfo2.restype = _Mallinfo2
    return libc.mallinfo2().hblkhd  # bytes in blocks that malloc got from mmap


def _mmapped_by_a_big_block() -> int:
    before = _mmapped_bytes()
    block = np.ones(64 * 2**20, dtype=np.uint8)  # 64 MiB: above any mmap threshold
    grown = _mmapped_bytes() - before
    del block
    return grown


@needs_glibc
def test_a_big_block_comes_from_the_heap_while_on_and_from_mmap_otherwise():
    assert _mmapped_by_a_big_block() >= 64 * 2**20
    with reused_memory() as on:
        assert on
        assert _mmapped_by_a_big_block() == 0
    assert _mmapped_by_a_big_block() >= 64 * 2**20  # the defaults are back


@needs_glibc
def test_switched_off_it_changes_nothing():
    with reused_memory(enabled=False) as on:
        assert not on
        assert _mmapped_by_a_big_block() >= 64 * 2**20


@needs_glibc
def test_a_nested_use_keeps_it_on_until_the_outer_one_ends():
    with reused_memory():
        with reused_memory() as inner:
            assert inner
        assert _mmapped_by_a_big_block() == 0
    assert _mmapped_by_a_big_block() >= 64 * 2**20


def test_a_run_computes_the_same_with_and_without_it(tmp_path):
    results = []
    for reuse in ("true", "false"):
        cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=2", f"train.reuse_memory={reuse}",
                                         f"out_dir={tmp_path / reuse}"])
        results.append(fit(cfg, progress="quiet", report=False))
    untimed = [[{k: v for k, v in row.items() if k != "time"} for row in r.history] for r in results]
    assert untimed[0] == untimed[1]
    assert results[0].metrics["test"] == results[1].metrics["test"]
