"""Accuracy targets of the foundation issue, asserted with margin (recorded in bench/RESULTS.md).

These train on full MNIST / Fashion-MNIST on the CPU and take minutes: marked ``slow``; CI runs them.
The convnet reaches its targets in 2 epochs with bfloat16 autocast (``train.amp=true``): 99.22 % and
90.74 % measured on 2026-12-03, in 47 s and 36 s (float32: 99.27 % and 90.95 %, in 90 s and 67 s). On an
x86 CPU without AVX-512, where bfloat16 is many times slower, goodfit trains them in float32.
"""

import pytest
from helpers import needs_fashion, needs_mnist

from goodfit import Config, apply_overrides, fit

pytestmark = pytest.mark.slow

CONVNET = ["model.name=convnet", "model.channels=16,32", "optim.schedule=onecycle", "optim.lr=1e-2",
           "train.batch_size=128", "train.amp=true"]


def _test_acc(tmp_path, *overrides):
    cfg = apply_overrides(Config(), [f"out_dir={tmp_path}", "train.checkpoint=false", *overrides])
    return fit(cfg, progress="quiet", report=False).metrics["test"]["accuracy"]


def test_demo_recipe_on_mnist5k(tmp_path):
    from goodfit.cli.workflow import DEMO_OVERRIDES

    assert _test_acc(tmp_path, *DEMO_OVERRIDES) >= 0.92


@needs_mnist
def test_course_mlp_full_mnist_10_epochs(tmp_path):
    assert _test_acc(tmp_path, "data.name=mnist", "train.epochs=10", "optim.schedule=onecycle") >= 0.97


@needs_mnist
def test_convnet_full_mnist(tmp_path):
    assert _test_acc(tmp_path, "data.name=mnist", "train.epochs=2", *CONVNET) >= 0.99


@needs_fashion
def test_convnet_fashion_mnist(tmp_path):
    assert _test_acc(tmp_path, "data.name=fashion-mnist", "train.epochs=2", *CONVNET) >= 0.90
