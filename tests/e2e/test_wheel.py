"""The package as a user installs it: ``python -m build`` makes an sdist and a wheel; the wheel goes
into a fresh virtual environment (torch first, pinned, as the README says) and runs ``goodfit demo``;
the optional parts it lacks there (ONNX export, MLflow) fail on one line naming the extra."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import goodfit

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
REPO = Path(__file__).resolve().parents[2]
TORCH = ("torch==2.14.1", "torchvision==0.29.1")  # the Makefile's pins: these wheels lie on the build machines
IGNORE = shutil.ignore_patterns(".venv", ".git", "runs", "site", "build", "*.egg-info", "__pycache__", "out",
                                ".pytest_cache", "mlruns", "mlflow.db")


def _run(*cmd, cwd=None, timeout=900):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return proc


def test_the_wheel_installs_in_a_fresh_venv_and_runs_the_demo(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=IGNORE)  # build from a copy: the checkout stays untouched
    built = _run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", source)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp_path / "dist").glob(f"goodfit-{goodfit.__version__}-py3-none-any.whl"))
    assert next((tmp_path / "dist").glob(f"goodfit-{goodfit.__version__}.tar.gz"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"goodfit/serve/templates/index.html", "goodfit/serve/static/app.js", "goodfit/serve/static/widget.js",
            "goodfit/locale/de/LC_MESSAGES/goodfit.mo"} <= set(names)
    assert any(n.startswith("goodfit/report/templates/") for n in names)

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv).returncode == 0
    pip, goodfit_cli = venv / "bin" / "pip", venv / "bin" / "goodfit"
    for spec in (TORCH, (str(wheel),)):
        installed = _run(pip, "install", "-q", *spec, timeout=1500)
        assert installed.returncode == 0, installed.stderr[-3000:]

    work = tmp_path / "work"
    work.mkdir()
    version = _run(goodfit_cli, "--version", cwd=work)
    assert version.stdout.strip() == f"goodfit {goodfit.__version__}"
    demo = _run(goodfit_cli, "demo", cwd=work)
    assert demo.returncode == 0, demo.stderr[-3000:]
    [run] = (work / "runs").iterdir()
    assert (run / "report.html").is_file() and "test accuracy" in demo.stdout

    for args, extra in ((("export", run, "--format", "onnx"), "goodfit[export]"),
                        (("train", "--dataset", "digits", "train.tracking=mlflow"), "goodfit[tracking]")):
        proc = _run(goodfit_cli, *args, cwd=work)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and extra in lines[0], proc.stderr
    assert len(list((work / "runs").iterdir())) == 1  # the refused train left no run folder
