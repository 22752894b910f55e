import pytest

from goodfit.errors import UnknownNameError
from goodfit.registry import Registry


def make():
    r = Registry("widget")
    r.add("alpha", lambda *a, **k: ("alpha", a, k), "first")
    r.add("file", lambda arg, *a, **k: ("file", arg), "takes a path", takes_argument=True)
    return r


def test_create_and_argument():
    r = make()
    assert r.create("alpha", 1, x=2) == ("alpha", (1,), {"x": 2})
    assert r.create("file:/a/b.csv") == ("file", "/a/b.csv")
    assert r.names() == ["alpha", "file:PATH"]
    assert "alpha" in r and "file:x" in r and "beta" not in r


def test_unknown_name_lists_known_and_suggests():
    with pytest.raises(UnknownNameError) as info:
        make().create("alpah")
    msg = str(info.value)
    assert "unknown widget 'alpah'" in msg and "alpha, file:PATH" in msg and "Did you mean 'alpha'" in msg


def test_argument_required_or_refused():
    with pytest.raises(UnknownNameError, match="needs an argument"):
        make().create("file")
    with pytest.raises(UnknownNameError, match="unknown widget"):
        make().create("alpha:x")


def test_duplicate_registration_is_a_bug():
    r = make()
    with pytest.raises(ValueError):
        r.add("alpha", lambda: None, "again")


def test_a_data_set_gets_only_the_options_its_loader_declares(monkeypatch):
    """A loader registered with just a root (no download=, no task=) loads; one option it lacks is refused."""
    import numpy as np

    import goodfit.data.registry as data
    from goodfit.data import Dataset
    from goodfit.errors import ConfigError
    from goodfit.registry import Registry

    def tiny(root=None) -> Dataset:
        x = np.zeros((4, 1, 8, 8), np.float32)
        return Dataset("tiny", x, np.array([0, 1, 0, 1]), x[:2], np.array([0, 1]), classes=("a", "b"))

    registry = Registry("data set")
    registry.add("tiny", tiny, "four blank images")
    monkeypatch.setattr(data, "DATASETS", registry)
    assert data.load_dataset("tiny").n_classes == 2
    assert data.load_dataset("tiny", image_size=4).input_shape == (1, 4, 4)  # resized after loading
    with pytest.raises(ConfigError, match="data.skip_bad is for data sets read from files"):
        data.load_dataset("tiny", skip_bad=True)
