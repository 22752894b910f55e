"""The workflow commands through a real subprocess: check, sanity, regularize, and train with
--sanity, --seeds and --folds (each a short run on the small data sets)."""

import json
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_cli, value_after

pytestmark = pytest.mark.e2e
TINY = ["data.name=digits", "model.hidden=16", "train.monitors=false"]


def test_check_flags_errors_with_exit_1_and_passes_a_clean_config():
    proc = run_cli("check", "optim.lr=5", "train.batch_size=5000", check=False)
    assert proc.returncode == 1
    assert "warning: extreme-lr [optimizer]: lr=5 is very high for adam" in proc.stdout
    assert "error: batch-larger-than-data" in proc.stdout and proc.stdout.strip().endswith("2 finding(s), 1 error(s)")
    assert run_cli("check", "--dataset", "breast-cancer", "model.hidden=32").stdout.strip() == "no pitfalls found"


def test_check_a_finished_run_counts_its_test_looks(tmp_path):
    run = tmp_path / "r"
    run_cli("train", *TINY, "train.epochs=1", "--run-dir", run, "--progress", "quiet")
    run_cli("evaluate", run, "--split", "test")
    proc = run_cli("check", run)
    assert "warning: test-reused [metrics.json]: the test set was evaluated 2 times." in proc.stdout


def test_sanity_passes_a_healthy_setup_and_names_a_too_small_lr():
    out = run_cli("sanity", *TINY, "--steps", "150").stdout
    assert out.startswith("sanity: info: sanity-passed") and "batch accuracy 100%" in out
    proc = run_cli("sanity", *TINY, "optim.lr=1e-7", "--steps", "60", check=False)
    assert proc.returncode == 1 and "sanity: error: loss-plateau-lr" in proc.stdout
    assert "Raise the learning rate" in proc.stdout


def test_sanity_of_a_regression_judges_the_loss_alone():
    out = run_cli("sanity", "--dataset", "diabetes", "model.hidden=64", "--steps", "300").stdout
    assert out.startswith("sanity: info: sanity-passed") and "batch accuracy" not in out


def test_train_with_sanity_first_stops_when_it_fails(tmp_path):
    proc = run_cli("train", *TINY, "optim.lr=1e-7", "--sanity", f"out_dir={tmp_path}", check=False)
    assert proc.returncode == 1 and "sanity: error: loss-plateau-lr" in proc.stdout
    assert not list(tmp_path.iterdir())  # no run was started
    out = run_cli("train", *TINY, "train.epochs=1", "--sanity", f"out_dir={tmp_path}", "--progress", "quiet").stdout
    assert "sanity: info: sanity-passed" in out and "status: completed" in out


def test_train_seeds_reports_mean_and_std_and_writes_a_study(tmp_path):
    out = run_cli("train", *TINY, "train.epochs=2", "--seeds", "2", f"out_dir={tmp_path}").stdout
    assert "test_accuracy" in out and "± " in out and "(n=2)" in out
    study = Path(value_after(out, "study"))
    summary = json.loads((study / "summary.json").read_text())
    assert summary["kind"] == "seeds" and [r["label"] for r in summary["runs"]] == ["seed 0", "seed 1"]
    assert (study / "report.html").is_file()


def test_train_folds_never_touches_the_test_set(tmp_path):
    out = run_cli("train", "--dataset", "diabetes", "model.hidden=16", "train.epochs=3", "train.batch_size=32",
                  "--folds", "2", f"out_dir={tmp_path}").stdout
    assert "valid_r2" in out and "\ntest_" not in out
    summary = json.loads((Path(value_after(out, "study")) / "summary.json").read_text())
    assert all(r["test"] is None for r in summary["runs"])
    assert_one_line_error(run_cli("train", "--seeds", "2", "--folds", "2", check=False), "either --seeds or --folds")


def test_regularize_compares_variants_over_seeds(tmp_path):
    out = run_cli("regularize", f"out_dir={tmp_path}", "train.epochs=2", "data.train_subset=200", "model.hidden=32",
                  "--seeds", "2", "--variants", "none,l2").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["variant", "train", "acc", "valid", "acc", "test", "acc", "gap", "valid", "vs", "none"]
    assert lines[1].startswith("none ") and lines[2].startswith("l2 ") and ("noise)" in lines[2])
    assert "report:" in lines[-1]
    assert_one_line_error(run_cli("regularize", "--variants", "none,magic", check=False), "unknown variant 'magic'")
