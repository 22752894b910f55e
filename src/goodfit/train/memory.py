"""Freed memory kept for reuse while goodfit trains (``train.reuse_memory``, on by default).

glibc's ``malloc`` serves each block of 128 KiB or more (up to 32 MiB, as such blocks are freed) with
a fresh ``mmap`` and hands it back to the system on ``free``; memory freed at the top of its heap goes
back too. A training step on a CPU allocates and frees activations of megabytes to hundreds of
megabytes, so every step asks the kernel for new pages and pays for their faults and zeroing: on the
``cifar10`` recipe that was up to a quarter of the process's CPU time in the kernel (bench/RESULTS.md, "Freed
memory kept for reuse"). While :func:`reused_memory` is active, big blocks come from the heap and freed
memory stays there (``mallopt(M_MMAP_MAX, 0)``, ``mallopt(M_TRIM_THRESHOLD, …)``, public glibc
calls); when it ends, the defaults return and ``malloc_trim(0)`` hands the free memory back. The
arithmetic is the same; only where the bytes live changes. Elsewhere (macOS, musl, Windows) it does
nothing.

Examples:
    >>> with reused_memory() as active:
    ...     isinstance(active, bool)
    True
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from collections.abc import Iterator

__all__ = ["reused_memory"]

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc's malloc.h
DEFAULT_TRIM_THRESHOLD, DEFAULT_MMAP_MAX = 128 * 1024, 65536
NEVER_TRIM = 2**31 - 1  # mallopt takes an int: 2 GiB of free heap before any is handed back

_lock = threading.Lock()
_depth = 0  # nested fits (a study's runs in one process) keep it on until the outermost one ends
_on = False


def _glibc() -> ctypes.CDLL | None:
    """The C library, if it is glibc (the only one whose mallopt these settings are written for)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the symbols the process already has: its C library's among them
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()  # musl has no such function
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def reused_memory(enabled: bool = True) -> Iterator[bool]:
    """Keep freed memory in the process for reuse while the block runs; yields whether it is on."""
    global _depth, _on
    libc = _glibc() if enabled else None
    if libc is None:
        yield False
        return
    with _lock:
        if _depth == 0:
            _on = libc.mallopt(M_MMAP_MAX, 0) == 1 and libc.mallopt(M_TRIM_THRESHOLD, NEVER_TRIM) == 1
        _depth += 1
        on = _on
    try:
        yield on
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
                libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
                libc.malloc_trim(0)
