"""Packages whose names load on first use (goodfit.lazy): every public name resolves, submodules can
still be imported from the package, and importing one module does not import its siblings."""

import importlib
import subprocess
import sys

import pytest

from goodfit.lazy import lazy_exports

LAZY = ("goodfit", "goodfit.checks", "goodfit.data", "goodfit.models", "goodfit.train", "goodfit.train.callbacks")


@pytest.mark.parametrize("name", LAZY)
def test_every_public_name_resolves_and_is_listed(name):
    package = importlib.import_module(name)
    for attr in package.__all__:
        assert getattr(package, attr) is not None, f"{name}.{attr}"
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match=f"module '{name}' has no attribute 'no_such_name'"):
        package.no_such_name  # noqa: B018


def test_a_submodule_is_still_imported_through_its_package():
    from goodfit.data import imagefolder
    from goodfit.train import distributed

    assert imagefolder.__name__ == "goodfit.data.imagefolder" and distributed.__name__ == "goodfit.train.distributed"


def test_a_name_is_kept_once_loaded():
    getattr_, dir_ = lazy_exports("goodfit.lazy", {"goodfit.run": ("RunDir",)})
    import goodfit.lazy as module

    try:
        assert getattr_("RunDir") is module.RunDir  # set on the package: later lookups skip __getattr__
        assert "RunDir" in dir_()
    finally:
        del module.RunDir


def test_goodfit_watch_imports_only_what_it_uses():
    """What `goodfit watch` loads before the script runs: not the data set loaders, the model zoo, the
    training loop or YAML (the start-up its overhead is measured on)."""
    code = ("import sys, goodfit.watch, goodfit.cli.watch; "
            "print(' '.join(m for m in sys.modules if m.startswith('goodfit') or m in ('yaml', 'sklearn')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(proc.stdout.split())
    assert {"goodfit.watch.observer", "goodfit.checks.data_rules", "goodfit.checks.summary"} <= loaded
    assert not loaded & {"goodfit.data.registry", "goodfit.models.registry", "goodfit.train.loop",
                         "goodfit.checks.lint", "goodfit.config", "yaml", "sklearn"}


def test_a_string_instead_of_a_tuple_of_names_is_refused():
    with pytest.raises(TypeError, match=r"a tuple of names, \('name',\), not a string"):
        lazy_exports("goodfit", {"goodfit.run": "RunDir"})  # would export R, u, n, D, i, r
