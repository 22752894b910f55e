"""The package as a user installs it: ``python -m build`` makes an sdist and a wheel; the wheel goes
into a fresh virtual environment and runs ``goodfit demo``; the optional parts it lacks there (ONNX
export, MLflow) fail on one line naming the extra.

The fresh environment sees the packages this one has installed (torch among them: copying its 5 GB
build again would make this the slowest test of the suite) through a folder of links to them, minus
goodfit itself and the optional extras whose absence is tested; pip resolves the wheel's declared
dependencies against them and installs whatever is missing. A clean clone's ``make test`` exercises
the README's own set-up (torch first, pinned) every CI run.
"""

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
ABSENT = ("goodfit", "__editable__", "onnx", "mlflow")  # not linked into the fresh environment
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
    _link_installed_packages(venv, tmp_path / "linked")
    pip, goodfit_cli = venv / "bin" / "pip", venv / "bin" / "goodfit"
    installed = _run(pip, "install", "-q", str(wheel), timeout=1500)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert _run(pip, "check").returncode == 0  # every declared dependency is met

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


def _link_installed_packages(venv: Path, folder: Path) -> None:
    """Make this environment's packages (less :data:`ABSENT`) importable in ``venv`` through links."""
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    folder.mkdir()
    for entry in site.iterdir():
        if entry.name.lower().startswith(ABSENT) or entry.suffix == ".pth" or entry.name == "__pycache__":
            continue
        (folder / entry.name).symlink_to(entry)
    [target] = (venv / "lib").glob("python*/site-packages")
    (target / "zz-linked.pth").write_text(f"{folder}\n")
