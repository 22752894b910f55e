"""``goodfit train --model analog-mlp`` and ``goodfit analog ...`` end to end through the CLI.

Training and export go through a real subprocess, as a user runs them; the other commands run
in-process through the same Typer app, which saves a few seconds of imports per command.
"""

import json
from pathlib import Path

import pytest
from helpers import run_cli
from typer.testing import CliRunner

from goodfit.cli import app
from goodfit.errors import ConfigError

pytestmark = pytest.mark.e2e


def run(*args):
    return run_cli(*args, env={"OMP_NUM_THREADS": "1"}).stdout


def invoke(*args):
    result = CliRunner().invoke(app, [*map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def line(out: str, prefix: str) -> Path:
    return Path(next(row.split(": ", 1)[1] for row in out.splitlines() if row.startswith(prefix)))


def test_train_analog_mlp_with_report_then_export(tmp_path):
    out = run("train", "--model", "analog-mlp", "-d", "digits", "-e", "2", "data.scaling=minmax01",
              "model.analog.noise=1.5", f"out_dir={tmp_path}", "--progress", "quiet")
    assert "status: completed" in out
    run_dir = line(out, "run: ")
    assert (run_dir / "report.html").is_file()
    assert "noise: 1.5" in (run_dir / "config.yaml").read_text()
    out = run("analog", "export", run_dir)
    assert "predictions equal, logits identical" in out
    assert (run_dir / "analog-export" / "weights.npz").is_file()


def test_analog_mlp_without_minmax01_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="add data.scaling=minmax01"):
        invoke("train", "--model", "analog-mlp", f"out_dir={tmp_path}")


def test_analog_compare_and_robustness(tmp_path):
    out = invoke("analog", "compare", "-d", "digits", "--seeds", "1", "-e", "1", "--out-dir", tmp_path,
                 "--progress", "quiet")
    assert "analog-mlp  test accuracy" in out and "over 1 seeds" in out
    assert json.loads(line(out, "results: ").read_text())["epochs"] == 1
    out = invoke("analog", "robustness", "-d", "digits", "-e", "1", "--repeats", "1",
                 "--out-dir", tmp_path, "--progress", "quiet")
    assert "trained with noise 2: test accuracy" in out
    report = line(out, "report: ")
    assert report.is_file() and report.parent.name.startswith("analog-robustness-")
