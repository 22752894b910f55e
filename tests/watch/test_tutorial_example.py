"""examples/cifar10_tutorial.py, the CIFAR-10 tutorial written its own way, as a user runs it: plain, and
under ``goodfit watch``, which names the tutorial's three pitfalls and nothing else."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli
from PIL import Image

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cifar10_tutorial.py"
pytestmark = pytest.mark.e2e


@pytest.fixture
def tiny_cifar(tmp_path) -> Path:
    """A CIFAR-shaped image-folder tree: 3 classes, 30 training and 4 test images each, 32×32 RGB."""
    rng = np.random.default_rng(0)
    for split, n in (("train", 30), ("test", 4)):
        for label in ("cat", "dog", "ship"):
            folder = tmp_path / "cifar10-jpeg" / split / label
            folder.mkdir(parents=True)
            for i in range(n):
                Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(folder / f"{i:04d}.png")
    return tmp_path / "cifar10-jpeg"


def test_plain_run_reports_its_best_validation_accuracy(tiny_cifar, tmp_path):
    result = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", "2", "--data", str(tiny_cifar),
                           "--result", str(result)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("validation (= test) accuracy") == 2
    numbers = json.loads(result.read_text())
    assert 0 <= numbers["best_valid_accuracy"] <= 1 and numbers["best_epoch"] in (1, 2)


def test_watch_names_the_three_pitfalls(tiny_cifar, tmp_path):
    proc = run_cli("watch", "--out-dir", tmp_path / "watch", EXAMPLE, "--epochs", "2", "--data", tiny_cifar)
    found = json.loads(Path(proc.stderr.rsplit("findings: ", 1)[1].strip()).read_text())
    assert {f["id"] for f in found} == {"softmax-before-ce", "unshuffled-train-loader", "test-as-valid"}


def test_a_missing_data_folder_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--data", str(tmp_path / "nope")], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].endswith("has no train/ and test/ image folders; "
                                                          "pass --data PATH/cifar10-jpeg")
