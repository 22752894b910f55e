"""Freed memory kept for reuse: big blocks come from the heap while it is on, from mmap when it is off,
and the results of a run are the same either way."""

import json
import subprocess
import sys
import textwrap

import pytest

from goodfit import Config, apply_overrides, fit
from goodfit.train import memory

needs_glibc = pytest.mark.skipif(memory._glibc() is None or not hasattr(memory._glibc(), "mallinfo2"),
                                 reason="glibc >= 2.33 only")

# In a fresh process: a long-lived one (a test worker) may hold a free chunk of 64 MiB in its heap,
# which malloc hands out before it would map new memory.
PROBE = textwrap.dedent("""
    import ctypes, json
    import numpy as np
    from goodfit.train import memory
    from goodfit.train.memory import reused_memory

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                    "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = memory._glibc()
    libc.mallinfo2.restype = Mallinfo2

    def mapped():  # bytes malloc got from mmap for one 64 MiB block
        before = libc.mallinfo2().hblkhd
        block = np.ones(64 * 2**20, dtype=np.uint8)
        grown = libc.mallinfo2().hblkhd - before
        del block
        return grown

    seen = {"default": mapped()}
    with reused_memory(enabled=False) as on:
        seen["off"], seen["off_on"] = mapped(), on
    with reused_memory() as on:
        seen["on"], seen["on_on"] = mapped(), on
        with reused_memory() as inner:
            seen["inner_on"] = inner
        seen["after_inner"] = mapped()
    seen["after"] = mapped()
    print(json.dumps(seen))
""")


@needs_glibc
def test_a_big_block_comes_from_the_heap_while_on_and_from_mmap_otherwise():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    seen = json.loads(out)
    mib64 = 64 * 2**20
    assert seen["default"] >= mib64 and seen["off"] >= mib64 and not seen["off_on"]  # off changes nothing
    assert seen["on_on"] and seen["on"] == 0  # from the heap
    assert seen["inner_on"] and seen["after_inner"] == 0  # a nested use keeps it on until the outer one ends
    assert seen["after"] >= mib64  # glibc's defaults are back


def test_a_run_computes_the_same_with_and_without_it(tmp_path):
    results = []
    for reuse in ("true", "false"):
        cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=2", f"train.reuse_memory={reuse}",
                                         f"out_dir={tmp_path / reuse}"])
        results.append(fit(cfg, progress="quiet", report=False))
    untimed = [[{k: v for k, v in row.items() if k != "time"} for row in r.history] for r in results]
    assert untimed[0] == untimed[1]
    assert results[0].metrics["test"] == results[1].metrics["test"]
