"""analog-mlp: the registered model, its config section, and training it end to end."""

import time

import pytest
import torch

from goodfit.analog import AnalogConfig, AnalogLinear, AnalogMLP
from goodfit.config import Config, ModelConfig, apply_overrides, config_to_dict, dump_config, load_config
from goodfit.errors import ConfigError
from goodfit.experiment import fit
from goodfit.models import MODELS, create_model


def test_registered_with_the_course_architecture():
    assert "analog-mlp" in MODELS
    model = create_model(ModelConfig(name="analog-mlp"), input_shape=(1, 28, 28), n_classes=10)
    layers = [m for m in model.modules() if isinstance(m, AnalogLinear)]
    assert [(m.in_features, m.out_features) for m in layers] == [(784, 256), (256, 256), (256, 10)]
    assert [m.n_chunks for m in layers] == [7, 2, 2]


def test_model_hidden_points_to_model_analog_hidden():
    with pytest.raises(ConfigError, match="model.analog.hidden"):
        create_model(ModelConfig(name="analog-mlp", hidden=(128,)), input_shape=(1, 28, 28), n_classes=10)
    model = create_model(ModelConfig(name="analog-mlp", analog=AnalogConfig(hidden=(32,))),
                         input_shape=(1, 8, 8), n_classes=3)
    assert [(m.in_features, m.out_features) for m in model.analog_layers()] == [(64, 32), (32, 3)]


def test_inputs_in_0_1_become_5_bit_codes():
    model = AnalogMLP((2,), 2, config=AnalogConfig(noise=0.0, hidden=(4,)))
    assert model.encode(torch.tensor([[0.0, 1.0], [0.5, 2.0]])).tolist() == [[0, 31], [16, 31]]


def test_logits_are_scaled_integer_read_outs():
    torch.manual_seed(0)
    model = AnalogMLP((1, 28, 28), 10, config=AnalogConfig(noise=0.0))
    x = torch.rand(6, 1, 28, 28)
    ints = model.integer_logits(x)
    assert torch.equal(ints, ints.round())
    assert torch.allclose(model(x), ints * 0.1)


def test_analog_overrides_and_yaml_round_trip(tmp_path):
    cfg = apply_overrides(Config(), [
        "model.name=analog-mlp", "data.scaling=minmax01", "model.analog.noise=0",
        "model.analog.hidden=128,64", "model.analog.seed=3", "model.analog.gain=1e-3"])
    assert cfg.model.analog == AnalogConfig(noise=0.0, hidden=(128, 64), seed=3, gain=1e-3)
    assert isinstance(cfg.model.analog.noise, float)
    dump_config(cfg, tmp_path / "config.yaml")
    assert load_config(tmp_path / "config.yaml") == cfg
    assert config_to_dict(cfg)["model"]["analog"]["hidden"] == [128, 64]


@pytest.mark.parametrize("override, message", [
    ("model.analog.noise=-1", "model.analog.noise=-1.0 is out of range: it must be >= 0"),
    ("model.analog.input_bits=0", "model.analog.input_bits=0 is out of range: it must be in 1..12"),
    ("model.analog.gain=0", "model.analog.gain=0.0 is out of range: it must be > 0"),
    ("model.analog.chunk_rows=0", "model.analog.chunk_rows=0 is out of range: it must be in 1..1048576"),
    ("model.analog.nois=1", "unknown config key 'model.analog.nois'"),
])
def test_bad_analog_values_are_one_line_errors(override, message):
    with pytest.raises(ConfigError, match=message) as info:
        apply_overrides(Config(), [override])
    assert "\n" not in str(info.value)


def test_analog_mlp_requires_minmax01_inputs():
    with pytest.raises(ConfigError, match="add data.scaling=minmax01"):
        apply_overrides(Config(), ["model.name=analog-mlp"])


def test_analog_mlp_learns_mnist_5k_quickly(tmp_path):
    """End to end through fit(): mnist-5k, 8 epochs, noisy chip, >= 0.85 test accuracy."""
    cfg = apply_overrides(Config(), [
        "data.name=mnist-5k", "data.scaling=minmax01", "model.name=analog-mlp", "train.epochs=8",
        "optim.schedule=onecycle", f"out_dir={tmp_path}",
    ])
    t0 = time.perf_counter()
    result = fit(cfg, progress="quiet", report=False)
    elapsed = time.perf_counter() - t0
    assert result.status == "completed"
    assert result.metrics["test"]["accuracy"] >= 0.85, result.metrics["test"]["accuracy"]
    assert elapsed < 120  # ~5-10 s on 2 free cores; generous for a shared machine
    assert load_config(result.run_dir).model.analog == AnalogConfig()  # saved with the run
