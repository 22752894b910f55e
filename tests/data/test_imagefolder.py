"""imagefolder: mixed sizes and modes, resizing, parallel decoding, the decoded cache, unreadable files."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goodfit.data import imagefolder, load_dataset, resize_images
from goodfit.errors import ConfigError, DataError


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GOODFIT_CACHE", str(tmp_path / "cache"))


def _tree(root: Path, images: dict[str, list[np.ndarray]], suffix: str = ".png") -> Path:
    for cls, arrays in images.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i, a in enumerate(arrays):
            Image.fromarray(a).save(root / cls / f"{i}{suffix}")
    return root


def _tall(h: int = 16, w: int = 8) -> np.ndarray:
    """White bands in the top and bottom quarter, black in between."""
    a = np.zeros((h, w), np.uint8)
    a[: h // 4], a[-(h // 4):] = 255, 255
    return a


def test_mixed_sizes_are_refused_with_the_fix(tmp_path):
    data = _tree(tmp_path / "d", {"a": [_tall(16, 8)] * 3, "b": [np.zeros((8, 8), np.uint8)] * 3})
    with pytest.raises(DataError, match=r"differ in size \(8x8: 3, 16x8: 3\); pass data.image_size=8"):
        load_dataset(f"imagefolder:{data}")


def test_crop_keeps_the_centre_and_squash_keeps_everything(tmp_path):
    data = _tree(tmp_path / "d", {"a": [_tall(16, 8)] * 2, "b": [np.zeros((4, 4), np.uint8)] * 2})
    crop = load_dataset(f"imagefolder:{data}", image_size=8)
    squash = load_dataset(f"imagefolder:{data}", image_size=8, resize="squash")
    assert crop.input_shape == squash.input_shape == (1, 8, 8)
    tall_crop = np.concatenate([crop.x_train[crop.y_train == 0], crop.x_test[crop.y_test == 0]])[0, 0]
    tall_squash = np.concatenate([squash.x_train[squash.y_train == 0], squash.x_test[squash.y_test == 0]])[0, 0]
    assert tall_crop[2:6].max() == 0 and tall_crop[0].max() < 255  # the centre 8x8: black, the bands cut off
    assert tall_squash[0].min() == 255 and tall_squash[-1].min() == 255 and tall_squash[4].max() == 0


def test_grey_and_colour_mixed_become_rgb(tmp_path):
    grey = np.full((6, 6), 100, np.uint8)
    colour = np.zeros((6, 6, 3), np.uint8)
    colour[..., 0] = 200
    data = _tree(tmp_path / "d", {"a": [grey] * 2, "b": [colour] * 2})
    ds = load_dataset(f"imagefolder:{data}")
    assert ds.input_shape == (3, 6, 6)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert (x[y == 0] == 100).all()
    assert (x[y == 1][:, 0] == 200).all() and (x[y == 1][:, 1:] == 0).all()


def test_second_load_reads_the_cache_and_a_changed_file_is_decoded_again(tmp_path, monkeypatch):
    data = _tree(tmp_path / "d", {"a": [np.full((5, 5), 10, np.uint8)] * 3, "b": [np.full((5, 5), 20, np.uint8)] * 3})
    before = sorted(p.name for p in data.rglob("*"))
    first = load_dataset(f"imagefolder:{data}")
    assert sorted(p.name for p in data.rglob("*")) == before  # nothing written next to the data
    assert list((tmp_path / "cache" / "imagefolder").iterdir())

    def no_decoding(job):
        raise AssertionError("decoded again")

    monkeypatch.setattr(imagefolder, "_decode_chunk", no_decoding)
    second = load_dataset(f"imagefolder:{data}")
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_test, second.y_test)
    Image.fromarray(np.full((5, 5), 30, np.uint8)).save(data / "a" / "0.png")
    with pytest.raises(AssertionError, match="decoded again"):
        load_dataset(f"imagefolder:{data}")


def test_interrupted_cache_write_is_never_read(tmp_path, monkeypatch):
    data = _tree(tmp_path / "d", {"a": [np.full((5, 5), 10, np.uint8)] * 3, "b": [np.full((5, 5), 20, np.uint8)] * 3})
    load_dataset(f"imagefolder:{data}")
    (cache,) = (tmp_path / "cache" / "imagefolder").iterdir()
    (cache / "key.txt").unlink()  # killed before the key was written
    calls = []
    real = imagefolder._decode_chunk
    monkeypatch.setattr(imagefolder, "_decode_chunk", lambda job: calls.append(1) or real(job))
    assert load_dataset(f"imagefolder:{data}").n_classes == 2 and calls


def test_unreadable_image_is_named_or_skipped_and_counted(tmp_path):
    data = _tree(tmp_path / "d", {"a": [np.full((5, 5), 10, np.uint8)] * 3, "b": [np.full((5, 5), 20, np.uint8)] * 3})
    (data / "b" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(DataError, match=r"broken\.jpg is not a readable image.*data\.skip_bad=true"):
        load_dataset(f"imagefolder:{data}")
    ds = load_dataset(f"imagefolder:{data}", skip_bad=True)
    assert len(ds.y_train) + len(ds.y_test) == 6
    assert [Path(s).name for s in ds.skipped] == ["broken.jpg"]
    assert load_dataset(f"imagefolder:{data}", skip_bad=True).skipped == ds.skipped  # from the cache, still counted


def test_parallel_decoding_gives_what_serial_decoding_gives(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    data = _tree(tmp_path / "d", {c: [rng.integers(0, 256, (7, 9, 3), dtype=np.uint8) for _ in range(40)]
                                  for c in "abc"}, suffix=".jpg")
    monkeypatch.setattr(imagefolder, "_CHUNK", 7)
    serial = load_dataset(f"imagefolder:{data}", image_size=6)
    monkeypatch.setattr(imagefolder, "_PARALLEL_FROM", 10)
    monkeypatch.setenv("GOODFIT_CACHE", str(tmp_path / "other-cache"))
    parallel = load_dataset(f"imagefolder:{data}", image_size=6)
    np.testing.assert_array_equal(serial.x_train, parallel.x_train)
    np.testing.assert_array_equal(serial.y_train, parallel.y_train)


def test_given_train_and_test_folders_must_agree(tmp_path):
    _tree(tmp_path / "d" / "train", {"a": [np.zeros((4, 4), np.uint8)] * 2, "b": [np.zeros((4, 4), np.uint8)] * 2})
    _tree(tmp_path / "d" / "test", {"a": [np.zeros((6, 6), np.uint8)], "b": [np.zeros((6, 6), np.uint8)]})
    with pytest.raises(DataError, match=r"differ in size \(4x4: 4, 6x6: 2\); pass data.image_size=4"):
        load_dataset(f"imagefolder:{tmp_path / 'd'}")
    ds = load_dataset(f"imagefolder:{tmp_path / 'd'}", image_size=4)
    assert ds.x_test.shape == (2, 1, 4, 4) and len(ds.y_train) == 4
    _tree(tmp_path / "e" / "train", {"a": [np.zeros((4, 4), np.uint8)] * 2, "b": [np.zeros((4, 4), np.uint8)] * 2})
    _tree(tmp_path / "e" / "test", {"a": [np.zeros((4, 4, 3), np.uint8)], "b": [np.zeros((4, 4, 3), np.uint8)]})
    with pytest.raises(DataError, match=r"train and test images differ in colour \(train \(1, 4, 4\), test \(3, 4, 4"):
        load_dataset(f"imagefolder:{tmp_path / 'e'}")


def test_image_size_for_array_data_sets_and_option_errors():
    ds = load_dataset("digits", image_size=16)
    assert ds.input_shape == (1, 16, 16) and ds.x_train.dtype == np.float32
    with pytest.raises(ConfigError, match="data.image_size is for images; breast-cancer is a table"):
        load_dataset("breast-cancer", image_size=16)
    with pytest.raises(ConfigError, match="data.skip_bad is for data sets read from files"):
        load_dataset("digits", skip_bad=True)
    with pytest.raises(ConfigError, match="data.resize=squash needs data.image_size"):
        load_dataset("digits", resize="squash")


def test_resize_images_matches_pil_on_uint8():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (2, 3, 12, 20), dtype=np.uint8)
    out = resize_images(x, 10, "squash")
    ref = np.asarray(Image.fromarray(x[1].transpose(1, 2, 0)).resize((10, 10), Image.Resampling.BILINEAR))
    assert np.abs(out[1].transpose(1, 2, 0).astype(int) - ref.astype(int)).max() <= 1


def test_real_cifar10_jpegs(data_root, tmp_path):
    """A subset of the shared CIFAR-10 JPEG tree, linked into a train/test layout, loads as 32x32 RGB."""
    src = data_root / "cifar10-jpeg"
    if not src.is_dir():
        pytest.skip(f"{src} not found")
    for part, n in (("train", 20), ("test", 5)):
        for cls in sorted(os.listdir(src / part)):
            (tmp_path / "c" / part / cls).mkdir(parents=True)
            for name in sorted(os.listdir(src / part / cls))[:n]:
                os.symlink(src / part / cls / name, tmp_path / "c" / part / cls / name)
    ds = load_dataset(f"imagefolder:{tmp_path / 'c'}")
    assert ds.input_shape == (3, 32, 32) and ds.n_classes == 10 and ds.classes[0] == "airplane"
    assert len(ds.y_train) == 200 and np.bincount(ds.y_test).tolist() == [5] * 10
    assert 80 < ds.x_train.mean() < 180  # natural images, not blank decodes


def test_images_are_read_memory_mapped_from_the_cache_on_every_run(tmp_path):
    images = {"a": [np.full((5, 5), 10, np.uint8)] * 3, "b": [np.full((5, 5), 200, np.uint8)] * 3}
    data = tmp_path / "d"
    _tree(data / "train", images), _tree(data / "test", images)
    first, second = load_dataset(f"imagefolder:{data}"), load_dataset(f"imagefolder:{data}")
    for ds in (first, second):
        assert isinstance(ds.x_train, np.memmap) and isinstance(ds.x_test, np.memmap)
        assert str(ds.x_train.filename).startswith(str(tmp_path / "cache"))
    np.testing.assert_array_equal(first.x_test, second.x_test)
    assert not isinstance(first.y_train, np.memmap)


def test_decoding_writes_each_image_to_the_cache_file_not_to_a_list_in_memory(tmp_path):
    import tracemalloc

    rng = np.random.default_rng(0)
    images = {c: [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(100)] for c in "ab"}
    data = tmp_path / "d"
    _tree(data / "train", images), _tree(data / "test", images)  # a single folder would be split in memory
    _tree(tmp_path / "warm-up", {"a": [np.zeros((2, 2), np.uint8)] * 2, "b": [np.ones((2, 2), np.uint8)] * 2})
    load_dataset(f"imagefolder:{tmp_path / 'warm-up'}")  # the modules decoding imports are not what is measured
    tracemalloc.start()
    try:
        ds = load_dataset(f"imagefolder:{data}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    pixels = 400 * 32 * 32 * 3  # 1.2 MB; a list of the images and their stack held 2.6 MB at the peak
    assert peak < pixels  # one chunk of decoded images at a time (the chunk here: a part's 200)
    back = np.concatenate([ds.x_train, ds.x_test])[np.argsort(np.concatenate([ds.y_train, ds.y_test]), kind="stable")]
    assert sorted(map(bytes, back)) == sorted(2 * [bytes(im.transpose(2, 0, 1)) for c in "ab" for im in images[c]])
