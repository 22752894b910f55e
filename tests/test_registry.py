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
