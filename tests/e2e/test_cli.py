"""Every CLI command end to end, through a real subprocess, as a user would run it."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from helpers import DATA_ROOT, assert_one_line_error, needs_mnist, run_cli
from PIL import Image

pytestmark = pytest.mark.e2e


def run(*args, check=True, timeout=300):
    return run_cli(*args, check=check, timeout=timeout)


def test_help_is_fast_and_does_not_import_torch():
    code = "import sys, goodfit.cli; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    t0 = time.perf_counter()
    proc = run("--help")
    elapsed = time.perf_counter() - t0
    for command in ("demo", "train", "evaluate", "predict", "explore", "report", "list"):
        assert command in proc.stdout
    assert elapsed < 5  # generous: the target (≤ 0.5 s) is measured in bench, not asserted here


def test_version_and_shell_completion():
    import goodfit

    assert run("--version").stdout.strip() == f"goodfit {goodfit.__version__}"
    completion = run("--show-completion", "bash")
    assert "_completion() {" in completion.stdout and "complete -o default" in completion.stdout


def test_list():
    out = run("list").stdout
    assert "mnist-5k" in out and "csv:PATH" in out and "convnet" in out and "resnet18" in out


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    target = root / "run1"
    proc = run("train", "--dataset", "digits", "--epochs", "3", "--run-dir", target, "--progress", "lines",
               "model.hidden=32", "optim.lr=1e-2")
    assert "test accuracy" in proc.stdout and f"run: {target}" in proc.stdout
    assert proc.stderr.count("epoch ") == 3  # one plain line per epoch when not a terminal
    return target


def test_train_writes_a_complete_run(trained_run):
    assert (trained_run / "config.yaml").is_file() and (trained_run / "report.html").is_file()
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["test"]["accuracy"] > 0.8


def test_train_show_config_and_config_file(tmp_path):
    out = run("train", "--show-config", "optim.lr=0.02", "--model", "convnet").stdout
    assert "lr: 0.02" in out and "name: convnet" in out
    (tmp_path / "c.yaml").write_text(out)
    again = run("train", "--show-config", "--config", tmp_path / "c.yaml").stdout
    assert again == out


def test_evaluate_valid_and_test_counts(trained_run):
    out = run("evaluate", trained_run).stdout
    assert out.startswith("valid: accuracy")
    proc = run("evaluate", trained_run, "--split", "test")
    assert "test: accuracy" in proc.stdout and "evaluated 2 times" in proc.stderr


def test_predict_image_files(trained_run, tmp_path):
    from goodfit.data import load_dataset

    ds = load_dataset("digits")
    paths = []
    for i in range(3):
        img = (ds.x_test[i, 0] * (255 / 16)).astype(np.uint8)
        path = tmp_path / f"d{i}.png"
        Image.fromarray(img).save(path)
        paths.append(path)
    out = json.loads(run("predict", trained_run, *paths, "--json", "-k", "3").stdout)
    assert len(out) == 3 and all(len(r["top"]) == 3 for r in out)
    hits = sum(int(r["top"][0]["class"]) == int(y) for r, y in zip(out, ds.y_test[:3]))
    assert hits >= 2
    text = run("predict", trained_run, paths[0]).stdout
    assert text.startswith(str(paths[0]))


def test_report_rewrites(trained_run):
    (trained_run / "report.html").unlink()
    out = run("report", trained_run).stdout
    assert "report.html" in out and (trained_run / "report.html").is_file()


def test_explore(tmp_path):
    proc = run("explore", "digits", "--out", tmp_path)
    assert "digits" in proc.stdout
    assert (tmp_path / "digits" / "explore.html").is_file()


def test_demo(tmp_path):
    proc = run("demo", "--out-dir", tmp_path, "--progress", "quiet")
    acc = float(proc.stdout.split("test accuracy ")[1].split()[0])
    assert acc >= 0.92, proc.stdout
    assert "report:" in proc.stdout


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["train", "--model", "transformerXL"], ["unknown model 'transformerXL'", "mlp"]),
        (["train", "--dataset", "imagenet"], ["unknown dataset 'imagenet'", "mnist-5k"]),
        (["train", "optim.lr=abc"], ["optim.lr='abc'", "expected a number"]),
        (["train", "optim.lrr=1"], ["unknown config key 'optim.lrr'"]),
        (["train", "--dataset", "mnist", "--data-root", "/nonexistent/place"],
         ["train-images-idx3-ubyte.gz", "/nonexistent/place"]),
        (["evaluate", "/nonexistent/run"], ["not found"]),
        (["train", "--config", "/nonexistent.yaml"], ["not found"]),
    ],
)
def test_bad_input_gets_one_clear_line(args, fragments):
    assert_one_line_error(run(*args, check=False), *fragments)


def test_file_system_errors_are_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = run("explore", "digits", "--out", blocker / "explore", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(blocker) in lines[0], proc.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (["list", "--bogus"], "No such option: --bogus"),
    (["predict"], "Missing argument"),
    (["anomaly", "list", "--nope"], "No such option: --nope"),
    (["nosuchcommand"], "No such command"),
])
def test_usage_errors_print_usage_not_a_traceback(args, fragment):
    proc = run(*args, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert fragment in proc.stderr and "--help" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: "), proc.stderr


def test_existing_run_dir_refused(trained_run):
    before = (trained_run / "metrics.json").read_bytes()
    proc = run("train", "--dataset", "digits", "--run-dir", trained_run, check=False)
    assert_one_line_error(proc, "already exists")
    assert (trained_run / "metrics.json").read_bytes() == before


def test_nan_loss_exits_nonzero_with_message(tmp_path):
    proc = run("train", "--dataset", "digits", "--epochs", "5", f"out_dir={tmp_path}",
               "optim.name=sgd", "optim.lr=1e12", "--progress", "quiet", check=False)
    assert proc.returncode == 1 and "status: diverged" in proc.stdout
    assert "lower optim.lr" in proc.stderr and "Traceback" not in proc.stderr


def test_resume_cli(tmp_path):
    # a run whose last checkpoint says "2 of 4 epochs done" (killed before metrics.json) resumes to the end
    import torch

    target = tmp_path / "r"
    run("train", "--dataset", "digits", "--epochs", "2", "--run-dir", target, "--progress", "quiet")
    assert_one_line_error(run("train", "--resume", target, check=False), "has completed; there is nothing to resume")
    cfg = (target / "config.yaml").read_text().replace("epochs: 2", "epochs: 4")
    (target / "config.yaml").write_text(cfg)
    (target / "metrics.json").unlink()
    ckpt = torch.load(target / "checkpoints" / "last.pt", weights_only=False)
    assert ckpt["epoch"] == 2
    proc = run("train", "--resume", target, "--progress", "lines")
    assert proc.stderr.count("epoch ") == 2 and "epoch 3" in proc.stderr
    assert len((target / "history.csv").read_text().strip().splitlines()) == 5


@needs_mnist
def test_train_on_real_mnist_data_root(tmp_path):
    proc = run("train", "--dataset", "mnist", "--data-root", DATA_ROOT, "--epochs", "1", "--progress", "quiet",
               f"out_dir={tmp_path}", "train.batch_size=512")
    acc = float(proc.stdout.split("test accuracy ")[1].split()[0])
    assert acc > 0.9
