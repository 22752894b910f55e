"""Recipes: named override sets, applied first; the CIFAR-10 recipe end to end on a slice of the real JPEGs."""

import os

import pytest

from goodfit.config import Config, apply_overrides, build_config
from goodfit.errors import ConfigError, UnknownNameError
from goodfit.recipes import RECIPES, recipe_overrides


def test_every_recipe_builds_a_valid_config():
    for entry in RECIPES:
        cfg = apply_overrides(Config(), recipe_overrides(entry.name))
        assert cfg.name == entry.name and cfg.data.name == entry.name


def test_recipe_first_then_shortcuts_then_overrides():
    cfg = build_config(None, ["optim.lr=0.05"], recipe="cifar10", shortcuts={"train.epochs": 3})
    assert (cfg.model.name, cfg.train.epochs, cfg.optim.lr, cfg.train.tta) == ("fastnet", 3, 0.05, "flip-translate")
    assert build_config().model.name == "mlp" and recipe_overrides(None) == ()


def test_unknown_recipe_and_recipe_with_a_config_file_are_one_line_errors(tmp_path):
    with pytest.raises(UnknownNameError, match="unknown recipe 'cifar1'.*cifar10"):
        build_config(recipe="cifar1")
    (tmp_path / "c.yaml").write_text("seed: 1\n")
    with pytest.raises(ConfigError, match="pass --recipe or --config, not both"):
        build_config(tmp_path / "c.yaml", recipe="cifar10")


@pytest.mark.slow
def test_cifar10_recipe_trains_on_a_slice_of_the_real_jpegs(data_root, tmp_path, monkeypatch):
    """The fast CIFAR smoke test: the recipe's whole path (the JPEG tree read as cifar10, the whitening stem,
    crops and flips, label smoothing, SGD-Nesterov on the triangle schedule, lookahead, flip + translate TTA)
    on 3,000 training images, narrow widths, batches of 256 at a quarter of the recipe's learning rate."""
    from goodfit.experiment import fit

    src = data_root / "cifar10-jpeg"
    if not src.is_dir():
        pytest.skip(f"{src} not found")
    for part, n in (("train", 300), ("test", 50)):
        for cls in sorted(os.listdir(src / part)):
            (tmp_path / "root" / "cifar10-jpeg" / part / cls).mkdir(parents=True)
            for name in sorted(os.listdir(src / part / cls))[:n]:
                os.symlink(src / part / cls / name, tmp_path / "root" / "cifar10-jpeg" / part / cls / name)
    monkeypatch.setenv("GOODFIT_CACHE", str(tmp_path / "cache"))
    cfg = build_config(None, [f"data.root={tmp_path / 'root'}", f"out_dir={tmp_path / 'runs'}",
                              "model.channels=16,32,32", "train.batch_size=256", "optim.lr=0.375",
                              "train.epochs=4"], recipe="cifar10")
    result = fit(cfg, progress="quiet", report=False)
    test = result.metrics["test"]
    assert result.metrics["status"] == "completed" and result.metrics["n_test"] == 500
    assert test["accuracy"] > 0.25  # 10 classes: chance is 0.10
