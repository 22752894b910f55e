import pytest

from goodfit.config import Config, apply_overrides
from goodfit.errors import ConfigError
from goodfit.search.space import check_space, grid_size, parse_grid, to_override


def test_grid_commas_and_pipes():
    grid = parse_grid(["optim.lr=1e-4,1e-3", "model.hidden=32|64,64", "train.batch_size=64,128"])
    assert grid == {"optim.lr": [1e-4, 1e-3], "model.hidden": ["32", "64,64"], "train.batch_size": [64, 128]}
    assert grid_size(grid) == 8
    cfg = apply_overrides(Config(), [to_override("model.hidden", c) for c in grid["model.hidden"][1:]])
    assert cfg.model.hidden == (64, 64)
    assert parse_grid(["model.hidden=32,64"])["model.hidden"] == ["32", "64"]  # no pipe: one width each


def test_grid_several_in_one_string_and_errors():
    assert list(parse_grid(["optim.lr=1e-3,1e-2 optim.name=adam,sgd"])) == ["optim.lr", "optim.name"]
    with pytest.raises(ConfigError, match="key=v1,v2"):
        parse_grid(["optim.lr"])


def test_space_checks_keys_and_bounds():
    space = check_space(
        {
            "optim.lr": {"type": "float", "low": "1e-4", "high": 0.1, "log": True},
            "model.hidden": {"type": "categorical", "choices": [[64], [128, 128]]},
        }
    )
    assert space["model.hidden"]["choices"] == ["64", "128,128"]
    with pytest.raises(ConfigError, match="unknown config key"):
        check_space({"optim.lrr": {"type": "float", "low": 0.1, "high": 1}})
    with pytest.raises(ConfigError, match="low < high"):
        check_space({"optim.lr": {"type": "float", "low": 0, "high": 1, "log": True}})
