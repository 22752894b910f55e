import dataclasses
import re

import pytest
import yaml

from goodfit.config import Config, apply_overrides, config_from_dict, config_to_dict, dump_config, load_config
from goodfit.errors import ConfigError


def test_yaml_round_trip_is_exact(tmp_path):
    cfg = apply_overrides(Config(), ["model.hidden=128,32", "optim.lr=1e-4", "train.target=0.98"])
    path = tmp_path / "config.yaml"
    dump_config(cfg, path, extra={"meta": {"git_commit": "abc"}})
    assert load_config(path) == cfg
    assert load_config(tmp_path) == cfg  # a run folder works too


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().seed = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "override, path, expected",
    [
        ("optim.lr=3e-3", ("optim", "lr"), 3e-3),  # YAML 1.1 reads 3e-3 as a string: must still work
        ("optim.lr=1", ("optim", "lr"), 1.0),
        ("train.epochs=7", ("train", "epochs"), 7),
        ("model.hidden=256", ("model", "hidden"), (256,)),
        ("model.hidden=[8, 4]", ("model", "hidden"), (8, 4)),
        ("train.amp=true", ("train", "amp"), True),
        ("train.target=null", ("train", "target"), None),
        ("data.root=/some/where", ("data", "root"), "/some/where"),
        ("seed=5", ("seed",), 5),
    ],
)
def test_overrides_parse_by_type(override, path, expected):
    value = apply_overrides(Config(), [override])
    for part in path:
        value = getattr(value, part)
    assert value == expected


def test_one_bare_override_string_is_one_override():
    assert apply_overrides(Config(), "optim.lr=0.5").optim.lr == 0.5


@pytest.mark.parametrize(
    "override, message",
    [
        ("optim.lr=abc", "optim.lr='abc': expected a number"),
        ("optim.lr=-1", "optim.lr=-1.0 is out of range: it must be > 0"),
        ("seed=-1", "seed=-1 is out of range: it must be in 0..4294967295"),
        ("train.min_delta=nan", "train.min_delta=nan must be a finite number"),
        ("optim.momentum=-1", "optim.momentum=-1.0 is out of range: it must be in [0, 1)"),
        ("name=../../x", "must be a plain folder name"),
        ("data.split_seed=99999999999999999999", "is too large; whole numbers must be below 2**63"),
        ("train.epochs=1.5", "expected an integer"),
        ("optim.name=rmsprop", "choose one of adam, adamw, sgd"),
        ("optim.lrr=1", "unknown config key 'optim.lrr'"),
        ("nope.x=1", "unknown config key 'nope.x'"),
        ("optim=1", "unknown config key 'optim'"),
        ("justtext", "must look like key=value"),
        ("train.amp=maybe", "expected true or false"),
    ],
)
def test_bad_overrides_give_one_clear_error(override, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        apply_overrides(Config(), [override])
    assert "\n" not in str(info.value)


def test_unknown_key_in_yaml_is_rejected():
    data = config_to_dict(Config())
    data["train"]["epocs"] = 3
    with pytest.raises(ConfigError, match="unknown config key 'train.epocs'"):
        config_from_dict(data)


def test_load_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_dump_is_plain_yaml():
    data = yaml.safe_load(dump_config(Config()))
    assert data["model"]["hidden"] == [64, 64, 64]
    assert data["data"]["name"] == "mnist-5k"
