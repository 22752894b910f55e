"""Splits streamed from disk: scaled rows made on demand equal the in-memory splits, and when they are chosen."""

import pickle

import numpy as np
import pytest

from goodfit.config import DataConfig
from goodfit.data import Scaler, prepare_data
from goodfit.data import prepare as prepare_module
from goodfit.data.streaming import ScaledRows, available_memory
from goodfit.errors import ConfigError


@pytest.fixture
def raw():
    return np.random.default_rng(0).integers(0, 256, (50, 3, 4, 5), dtype=np.uint8)


def test_rows_read_and_scale_what_is_asked_in_its_order(raw):
    scaler = Scaler("standardize").fit(raw)
    rows = np.array([7, 3, 49, 0, 3, 20])
    lazy = scaler.rows(raw, rows)
    whole = scaler.transform(raw[rows])
    assert lazy.shape == whole.shape and lazy.dtype == np.float32 and lazy.ndim == 4 and len(lazy) == 6
    assert lazy.nbytes == whole.nbytes
    np.testing.assert_array_equal(lazy[:], whole)
    np.testing.assert_array_equal(lazy[np.array([4, 0, 2])], whole[[4, 0, 2]])  # unsorted, and a repeat
    np.testing.assert_array_equal(lazy[2:5], whole[2:5])
    np.testing.assert_array_equal(lazy[-1], whole[-1])
    np.testing.assert_array_equal(np.asarray(lazy), whole)
    assert lazy[:0].shape == (0, 3, 4, 5)
    subset = lazy.take(np.array([5, 1]))
    assert isinstance(subset, ScaledRows) and subset.raw is raw
    np.testing.assert_array_equal(subset[:], whole[[5, 1]])


def test_a_memory_mapped_source_pickles_as_its_file_and_memory_as_a_copy(tmp_path):
    raw = np.random.default_rng(0).integers(0, 256, (1000, 3, 8, 8), dtype=np.uint8)
    np.save(tmp_path / "x.npy", raw)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    lazy = ScaledRows(mapped, np.arange(10, 20), shift=np.float32(1), scale=np.float32(2))
    blob = pickle.dumps(lazy)
    assert len(blob) < 2000 < raw.nbytes  # the file's name, not its bytes
    back = pickle.loads(blob)
    assert isinstance(back.raw, np.memmap) and str(back.raw.filename) == str(mapped.filename)
    np.testing.assert_array_equal(back[:], lazy[:])
    in_memory = ScaledRows(raw, np.arange(5), shift=np.float32(0), scale=np.float32(1))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(in_memory))[:], in_memory[:])


@pytest.mark.parametrize("kind", ["standardize", "minmax01", "minmax11", "none"])
@pytest.mark.parametrize("shape", [(300, 2, 3, 3), (300, 7)])
def test_the_scaler_fitted_chunk_by_chunk_on_rows_equals_the_one_fitted_on_the_array(kind, shape):
    x = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    rows = np.random.default_rng(2).permutation(300)[:200]
    direct = Scaler(kind).fit(x[rows])
    chunked = Scaler(kind).fit(ScaledRows(x, rows, shift=np.zeros(1), scale=np.ones(1)))
    np.testing.assert_array_equal(direct.shift_, chunked.shift_)
    np.testing.assert_array_equal(direct.scale_, chunked.scale_)


def test_streamed_splits_hold_the_same_numbers_as_the_in_memory_ones(capsys):
    streamed = prepare_data(DataConfig(name="digits", stream=True))
    assert "data.stream=true: batches are read and scaled by DataLoader workers" in capsys.readouterr().err
    held = prepare_data(DataConfig(name="digits"))
    for part in ("train", "valid", "test"):
        s, h = getattr(streamed, part), getattr(held, part)
        assert isinstance(s.x, ScaledRows) and isinstance(h.x, np.ndarray)
        np.testing.assert_array_equal(np.asarray(s.x), h.x)
        np.testing.assert_array_equal(s.y, h.y)


def test_streaming_is_chosen_when_the_scaled_splits_would_fill_half_the_free_memory(monkeypatch, capsys):
    digits_bytes = 1797 * 64 * 4
    monkeypatch.setattr(prepare_module, "available_memory", lambda: digits_bytes)  # needs ~90 % of it
    data = prepare_data(DataConfig(name="digits"))
    assert isinstance(data.train.x, ScaledRows)
    err = capsys.readouterr().err
    assert "more than half of the 0.0 GB of free memory" in err and "data.stream=false holds them" in err
    assert isinstance(prepare_data(DataConfig(name="digits", stream=False)).train.x, np.ndarray)
    monkeypatch.setattr(prepare_module, "available_memory", lambda: 4 * digits_bytes)  # a quarter: in memory
    assert isinstance(prepare_data(DataConfig(name="digits")).train.x, np.ndarray)
    assert capsys.readouterr().err == ""


def test_tasks_that_make_new_inputs_are_not_streamed(monkeypatch):
    with pytest.raises(ConfigError, match="data.stream=true reads batches as they are, and data.task=denoising"):
        prepare_data(DataConfig(name="digits", task="denoising", stream=True))
    monkeypatch.setattr(prepare_module, "available_memory", lambda: 1)
    assert isinstance(prepare_data(DataConfig(name="digits", task="denoising")).train.x, np.ndarray)


def test_available_memory_is_a_positive_number_of_bytes():
    assert available_memory() > 1 << 20


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_memory_a_cgroup_leaves_counts_the_tightest_limit_above_the_process(tmp_path):
    from goodfit.data.streaming import cgroup_room

    root, me = tmp_path / "cgroup", tmp_path / "self-cgroup"
    _write(me, "4:memory:/slurm/job_7/step_0\n1:cpu:/\n")
    job, step = root / "memory" / "slurm" / "job_7", root / "memory" / "slurm" / "job_7" / "step_0"
    _write(step / "memory.limit_in_bytes", "9223372036854771712\n")  # v1's "no limit"
    _write(step / "memory.usage_in_bytes", "100\n")
    assert cgroup_room(root, me) is None
    _write(job / "memory.limit_in_bytes", "4000000000\n")  # the job's --mem, one level up
    _write(job / "memory.usage_in_bytes", "1000000000\n")
    assert cgroup_room(root, me) == 3_000_000_000
    _write(me, "0::/user.slice/app\n")  # cgroup v2
    _write(root / "user.slice" / "app" / "memory.max", "max\n")
    _write(root / "user.slice" / "app" / "memory.current", "5\n")
    _write(root / "user.slice" / "memory.max", "2000\n")
    _write(root / "user.slice" / "memory.current", "2500\n")  # over its limit: no room, never negative
    assert cgroup_room(root, me) == 0
    assert cgroup_room(root, tmp_path / "absent") is None


def test_available_memory_takes_the_cgroup_limit_when_it_is_tighter(monkeypatch):
    from goodfit.data import streaming

    monkeypatch.setattr(streaming, "machine_memory", lambda: 8_000_000_000)
    monkeypatch.setattr(streaming, "cgroup_room", lambda: 123_456_789)
    assert available_memory() == 123_456_789
    monkeypatch.setattr(streaming, "cgroup_room", lambda: None)
    assert available_memory() == 8_000_000_000
    monkeypatch.setattr(streaming, "machine_memory", lambda: 0)
    monkeypatch.setattr(streaming, "cgroup_room", lambda: 5)
    assert available_memory() == 5
