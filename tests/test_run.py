import os

import pytest

from goodfit.errors import RunDirError
from goodfit.run import RunDir, atomic_write_text, environment_meta


def test_create_never_overwrites(tmp_path):
    a = RunDir.create(tmp_path, "x")
    b = RunDir.create(tmp_path, "x")  # same second: gets a suffix, both survive
    assert a.path != b.path and a.path.is_dir() and b.path.is_dir()
    (a.path / "config.yaml").write_text("name: x\n")
    with pytest.raises(RunDirError, match="already exists"):
        RunDir.create(tmp_path, "x", exact=a.path)
    assert RunDir.create(tmp_path, "x", exact=b.path).path == b.path  # an empty folder is not a run: usable


def test_open_requires_a_run(tmp_path):
    with pytest.raises(RunDirError, match="not found"):
        RunDir.open(tmp_path / "nope")
    with pytest.raises(RunDirError, match="not a goodfit run"):
        RunDir.open(tmp_path)


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_history_round_trip(tmp_path):
    run = RunDir(tmp_path)
    rows = [{"epoch": 1, "train_loss": 0.5, "valid_acc": 0.9}, {"epoch": 2, "train_loss": 0.25, "valid_acc": 0.95}]
    run.write_history(rows)
    assert run.read_history() == rows


def test_environment_meta_has_versions():
    meta = environment_meta()
    assert meta["versions"]["torch"] and meta["versions"]["python"]
