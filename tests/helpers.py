"""Helpers shared by tests (importable because pytest's pythonpath includes tests/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA_ROOT = Path(os.environ.get("GOODFIT_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def has_dataset(name: str) -> bool:
    if name == "fsdd":
        return (DATA_ROOT / "fsdd" / "recordings" / "0_george_0.wav").is_file()
    folder = {"mnist": "mnist/MNIST/raw", "fashion-mnist": "fashion-mnist/FashionMNIST/raw"}[name]
    return (DATA_ROOT / folder / "train-images-idx3-ubyte.gz").is_file()


needs_mnist = pytest.mark.skipif(not has_dataset("mnist"), reason=f"MNIST files not under {DATA_ROOT}")
needs_fashion = pytest.mark.skipif(not has_dataset("fashion-mnist"), reason=f"Fashion-MNIST not under {DATA_ROOT}")


# --------------------------------------------------------------------------- the command line, as a user runs it

GOODFIT = [sys.executable, "-m", "goodfit.cli"]


def run_cli(*args: object, check: bool = True, timeout: float = 300, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess:
    """``goodfit ARGS...`` in a real subprocess (text output captured, 120 columns); with ``check``, a
    non-zero exit fails the test showing both streams."""
    proc = subprocess.run([*GOODFIT, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "120", **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str, code: int = 2) -> None:
    """The command failed with exit ``code`` and one ``error: ...`` line holding every fragment, no traceback."""
    assert proc.returncode == code, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def value_after(out: str, key: str) -> str:
    """The text after ``key: `` on the first line that starts with it (``run: runs/x`` -> ``runs/x``)."""
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(f"{key}: "))


def png_of_a_one() -> bytes:
    """A drawn "1" as the draw-a-digit page sends it: a 280×280 PNG, a white bar on black."""
    import io

    import numpy as np
    from PIL import Image

    img = np.zeros((280, 280), np.uint8)
    img[40:240, 130:150] = 255
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()
