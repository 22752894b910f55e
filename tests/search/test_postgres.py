"""goodfit search against a real PostgreSQL server (started here from the machine's binaries).

The server runs from a fresh data folder on a unix socket only (no TCP), as the ``postgres`` user
when the tests run as root (PostgreSQL refuses root), and is stopped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile

import optuna
import pytest

from goodfit import Config, apply_overrides
from goodfit.search import search
from goodfit.search.study import STUDY_NAME

pytestmark = pytest.mark.e2e


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; in CI (which has PostgreSQL) a missing piece is a failure."""
    (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@pytest.fixture(scope="module")
def postgres_url():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (make test installs it: the test extra)")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = tempfile.mkdtemp(prefix="goodfit-pg-")  # short: the socket path must stay under 107 bytes
    if as_user:
        shutil.chown(folder, user="postgres")
    data = os.path.join(folder, "data")
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(initdb, "-D", data, "-A", "trust", "-U", "postgres")
    run(pg_ctl, "-D", data, "-o", f"-k {folder} -c listen_addresses=''", "-l", os.path.join(folder, "log"), "-w",
        "start")
    try:
        run(_pg_bin("createdb") or "createdb", "-h", folder, "-U", "postgres", "goodfit")
        yield f"postgresql://postgres@/goodfit?host={folder}"
    finally:
        run(pg_ctl, "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_grid_search_with_two_workers_on_postgres(tmp_path, postgres_url):
    cfg = apply_overrides(Config(), [f"out_dir={tmp_path}", "data.name=digits", "train.epochs=3",
                                     "train.monitors=false", "train.checkpoint=false"])
    grid = {"optim.lr": [1e-3, 1e-2, 1e-1], "train.batch_size": [32, 64]}
    res = search(cfg, grid=grid, storage=postgres_url, jobs=2, progress=False)
    assert res.counts == {"COMPLETE": 6}
    assert not list(res.study_dir.glob("*.db"))  # nothing went to the default SQLite file
    stored = optuna.load_study(study_name=STUDY_NAME, storage=postgres_url)
    # workers ask under a lock and stop once the grid is taken: no surplus trials at all
    points = {(t.params["optim.lr"], t.params["train.batch_size"]) for t in stored.trials}
    assert len(stored.trials) == 6 and len(points) == 6
    assert all(t.state.name == "COMPLETE" for t in stored.trials)
    assert res.final["test"]["accuracy"] > 0.8  # the best config, retrained, tested once
