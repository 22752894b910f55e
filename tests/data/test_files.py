import numpy as np
import pytest
from PIL import Image

from goodfit.data import load_dataset
from goodfit.errors import DataError, UnknownNameError


def test_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(5):
            Image.fromarray(rng.integers(0, 256, (12, 10), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cat" / "notes.txt").write_text("ignored")
    ds = load_dataset(f"imagefolder:{tmp_path}")
    assert ds.classes == ("cat", "dog") and ds.input_shape == (1, 12, 10)
    assert len(ds.y_train) == 8 and np.bincount(ds.y_test).tolist() == [1, 1]


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(f"imagefolder:{tmp_path / 'missing'}")
    with pytest.raises(DataError, match="no class sub-folders"):
        load_dataset(f"imagefolder:{tmp_path}")
    (tmp_path / "a").mkdir()
    with pytest.raises(DataError, match="only the class folder 'a'"):
        load_dataset(f"imagefolder:{tmp_path}")
    (tmp_path / "b").mkdir()
    with pytest.raises(DataError, match="holds no images"):
        load_dataset(f"imagefolder:{tmp_path}")
    (tmp_path / "a" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"b holds 0 image\(s\); .* at least 2 images per class folder"):
        load_dataset(f"imagefolder:{tmp_path}")
    gray = np.zeros((4, 4), dtype=np.uint8)
    for name in ("a/good.png", "b/0.png", "b/1.png"):
        Image.fromarray(gray).save(tmp_path / name)
    with pytest.raises(DataError, match="bad.png.*not a readable image"):
        load_dataset(f"imagefolder:{tmp_path}")
    with pytest.raises(UnknownNameError, match="needs an argument"):
        load_dataset("imagefolder")


def test_csv_table(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["a,b,species"] + [f"{rng.normal():.3f},{rng.normal():.3f},{['x', 'y'][i % 2]}" for i in range(20)]
    (tmp_path / "t.csv").write_text("\n".join(rows))
    ds = load_dataset(f"csv:{tmp_path / 't.csv'}")
    assert ds.kind == "table" and ds.input_shape == (2,) and ds.classes == ("x", "y")
    assert len(ds.y_train) == 16


def test_csv_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(f"csv:{tmp_path / 'none.csv'}")
    (tmp_path / "s.csv").write_text("a,label\nfoo,1\nbar,0\nbaz,1\nqux,0\n")
    with pytest.raises(DataError, match="must be numeric"):
        load_dataset(f"csv:{tmp_path / 's.csv'}")
    (tmp_path / "n.csv").write_text("a,label\n1,1\n,0\n3,1\n4,0\n")
    with pytest.raises(DataError, match="missing values"):
        load_dataset(f"csv:{tmp_path / 'n.csv'}")


def _table(tmp_path, label_values, name="t.csv"):
    rng = np.random.default_rng(1)
    rows = ["a,b,y"] + [f"{rng.normal():.3f},{rng.normal():.3f},{v}" for v in label_values]
    (tmp_path / name).write_text("\n".join(rows))
    return f"csv:{tmp_path / name}"


def test_csv_regression_takes_real_values(tmp_path):
    values = np.round(np.random.default_rng(2).normal(50, 10, 40), 2)
    name = _table(tmp_path, values)
    with pytest.raises(DataError, match=r"looks continuous \(\d+ distinct values, not whole numbers\); "
                                        "for a regression pass data.task=regression"):
        load_dataset(name)
    ds = load_dataset(name, task="regression")
    assert ds.task == "regression" and ds.classes == () and ds.target_names == ("y",)
    assert len(ds.y_train) == 32 and ds.y_train.dtype == np.float32
    np.testing.assert_allclose(np.sort(np.r_[ds.y_train, ds.y_test]), np.sort(values.astype(np.float32)))


def test_csv_with_one_class_infinite_features_or_text_targets_for_regression(tmp_path):
    with pytest.raises(DataError, match="holds one class"):
        load_dataset(_table(tmp_path, ["same"] * 8))
    (tmp_path / "inf.csv").write_text("a,label\n1,0\ninf,1\n3,0\n4,1\n")
    with pytest.raises(DataError, match="infinite"):
        load_dataset(f"csv:{tmp_path / 'inf.csv'}")
    with pytest.raises(DataError, match="needs numbers in the label column"):
        load_dataset(_table(tmp_path, ["x", "y"] * 4, name="text.csv"), task="regression")
    assert load_dataset(_table(tmp_path, [0, 1, 2] * 4, name="ints.csv")).classes == ("0", "1", "2")


def test_image_folder_16_bit_images_are_scaled_not_clipped(tmp_path):
    """A 16-bit PNG's mid-grey (32768) is 8-bit mid-grey (128), not clipped to white (255)."""
    from PIL import Image

    for cls, level in (("dark", 4096), ("mid", 32768)):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(np.full((6, 6), level + i, np.uint16)).save(tmp_path / cls / f"{i}.png")
    ds = load_dataset(f"imagefolder:{tmp_path}")
    levels = {ds.classes[int(y)]: int(x.max()) for x, y in zip(ds.x_train, ds.y_train)}
    assert levels == {"dark": 16, "mid": 128}


def test_csv_without_header_is_refused(tmp_path):
    rows = "".join(f"{i % 7},{i % 3},{i % 2}\n" for i in range(30))
    (tmp_path / "t.csv").write_text(rows)
    with pytest.raises(DataError, match="is data, not a header"):
        load_dataset(f"csv:{tmp_path / 't.csv'}")
