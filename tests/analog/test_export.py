"""Export of a trained analog-mlp run, checked against the integer-only numpy forward pass."""

import json

import numpy as np
import pytest

from goodfit.analog.export import chip_spec, encode_codes, export_run, integer_forward
from goodfit.config import AnalogConfig, Config, apply_overrides
from goodfit.errors import RunDirError
from goodfit.experiment import fit


@pytest.fixture(scope="module")
def analog_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    cfg = apply_overrides(Config(), ["data.name=mnist-5k", "data.scaling=minmax01", "model.name=analog-mlp",
                                     "train.epochs=2", f"out_dir={out}"])
    return fit(cfg, progress="quiet", report=False).run_dir


def test_integer_forward_by_hand():
    spec = chip_spec(AnalogConfig(chunk_rows=2))  # gain 1/500, 8-bit read-out, shift 1, codes 0..31
    codes = np.array([[31, 31, 31]])
    w1 = np.array([[63, 63, 63], [-63, -63, -63]])  # chunk sums 3906 and 1953 per column
    w2 = np.array([[60, -10]])
    logits, ranges = integer_forward(codes, [w1, w2], spec)
    # layer 1: (3906+250)//500 = 8, (1953+250)//500 = 4 -> 12; negative: -8 + -4 = -12
    # ReLU: 12 >> 1 = 6, -12 -> 0; layer 2: 6*60 = 360 -> (360+250)//500 = 1
    assert logits.tolist() == [[1]]
    assert ranges[0]["output"] == [-12, 12] and ranges[0]["chunk_readout"] == [-8, 8]
    assert ranges[1]["input_codes"] == [0, 6]


def test_integer_forward_saturates_each_chunk():
    spec = chip_spec(AnalogConfig())
    codes = np.full((1, 784), 31)
    logits, ranges = integer_forward(codes, [np.full((1, 784), 63)], spec)
    assert logits.tolist() == [[6 * 127 + 62]]
    assert ranges[0]["saturated_fraction"] == pytest.approx(6 / 7)


def test_encode_codes_matches_the_model_rounding():
    import torch

    from goodfit.analog import encode_input

    x = np.random.default_rng(0).random((50, 784), dtype=np.float32)
    x[0, :4] = [0.5 / 31, 1.5 / 31, 30.5 / 31, 1.0]  # near the rounding edges
    assert np.array_equal(encode_codes(x, 5), encode_input(torch.from_numpy(x), 5).long().numpy())


def test_export_reproduces_the_model_exactly(analog_run):
    result = export_run(analog_run)
    assert result.exact and result.logits_equal and result.predictions_equal == result.n_checked == 400
    meta = json.loads((result.path / "export.json").read_text())
    assert meta["chip"]["gain"] == [1, 500] and meta["check"]["exact"]
    assert [(layer["in"], layer["out"], layer["chunks"]) for layer in meta["layers"]] == [
        (784, 256, 7), (256, 256, 2), (256, 10, 2)]
    for layer in meta["layers"]:
        assert -63 <= layer["weight_range"][0] <= layer["weight_range"][1] <= 63
        assert -128 <= layer["chunk_readout"][0] <= layer["chunk_readout"][1] <= 127
        assert 0 <= layer["input_codes"][0] <= layer["input_codes"][1] <= 31
    weights = np.load(result.path / "weights.npz")
    assert [weights[f"layer{i}"].shape for i in range(3)] == [(256, 784), (256, 256), (10, 256)]
    assert weights["layer0"].dtype == np.int16


def test_export_never_overwrites_and_needs_an_analog_run(analog_run, tmp_path):
    export_run(analog_run, out=tmp_path / "exp")
    with pytest.raises(RunDirError, match="already exists"):
        export_run(analog_run, out=tmp_path / "exp")
    cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=1", f"out_dir={tmp_path}"])
    float_run = fit(cfg, progress="quiet", report=False).run_dir
    with pytest.raises(RunDirError, match="needs an analog-mlp run"):
        export_run(float_run)
