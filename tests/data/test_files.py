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
    (tmp_path / "a" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="not a readable image"):
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
