"""goodfit.analog.experiments: compare and robustness on a tiny budget, and the chip variants."""

import json

import pytest

from goodfit.analog.experiments import SWEEPS, budget_config, chip_variant, compare, robustness
from goodfit.config import AnalogConfig


def test_budget_is_the_same_for_both_models():
    a = budget_config("mlp", 2, dataset="mnist", epochs=5)
    b = budget_config("analog-mlp", 2, dataset="mnist", epochs=5)
    assert a.model.hidden == b.model.analog.hidden == (256, 256)
    assert (a.optim, a.train, a.data, a.seed) == (b.optim, b.train, b.data, b.seed)


@pytest.mark.parametrize("change, gain, shift", [
    ({"weight_bits": 3}, 0.002 * 63 / 7, 1),
    ({"weight_bits": 8}, 0.002 * 63 / 255, 1),
    ({"input_bits": 1}, 0.002 * 31, 5),
    ({"input_bits": 8}, 0.002 * 31 / 255, -2),
    ({"noise": 5.0}, 0.002, 1),
])
def test_chip_variant_keeps_the_full_scale(change, gain, shift):
    cfg = chip_variant(AnalogConfig(), **change)
    assert cfg.gain == pytest.approx(gain) and cfg.relu_shift == shift


def test_sweeps_cover_the_issue_ranges():
    assert SWEEPS["read-out noise"][1] == tuple(range(9))
    assert SWEEPS["weight resolution"][1] == (3, 4, 5, 6, 7, 8)
    assert SWEEPS["input resolution"][1] == tuple(range(1, 9))


def test_compare_writes_a_new_folder_with_results_and_page(tmp_path):
    result = compare(dataset="digits", seeds=(0, 1), epochs=1, out_dir=tmp_path)
    assert result.path.parent == tmp_path and result.path.name.startswith("analog-compare-")
    data = json.loads((result.path / "results.json").read_text())
    assert [(r["model"], r["seed"]) for r in data["runs"]] == [
        ("mlp", 0), ("analog-mlp", 0), ("mlp", 1), ("analog-mlp", 1)]
    assert set(data["summary"]) == {"mlp", "analog-mlp"} and data["summary"]["mlp"]["n"] == 2
    assert 0 <= data["summary"]["analog-mlp"]["mean"] <= 1
    assert (result.path / "mlp-seed0" / "config.yaml").is_file()
    html = (result.path / "compare.html").read_text()
    assert "analog-mlp" in html and "data:image/png;base64," in html
    second = compare(dataset="digits", seeds=(0,), epochs=1, out_dir=tmp_path)
    assert second.path != result.path  # never reuses a folder


def test_robustness_sweeps_both_trainings(tmp_path):
    sweeps = {"read-out noise": ("noise", (0, 4), "noise"),
              "input resolution": ("input_bits", (1, 5), "bits")}
    result = robustness(dataset="digits", epochs=1, out_dir=tmp_path, repeats=2, sweeps=sweeps)
    assert set(result.nominal) == {"trained without noise", "trained with noise 2"}
    for sweep in result.sweeps.values():
        for curve in sweep["curves"].values():
            assert len(curve["mean"]) == 2 and all(0 <= a <= 1 for a in curve["mean"])
    assert result.sweeps["read-out noise"]["curves"]["trained without noise"]["std"][0] == 0  # deterministic
    data = json.loads((result.path / "results.json").read_text())
    assert data["runs"][0]["train_noise"] == 0 and data["runs"][1]["train_noise"] == 2
    assert "data:image/png;base64," in (result.path / "robustness.html").read_text()
