import pytest

from goodfit.errors import ConfigError
from goodfit.regularize import VARIANTS, regularize, regularize_config


def test_regularize_table_and_report(tmp_path):
    cfg = regularize_config([f"out_dir={tmp_path}", "train.epochs=3", "data.train_subset=200", "model.hidden=64",
                             "train.monitors=false"])
    result = regularize(cfg, seeds=2, variants=["none", "l1", "dropout"], progress=False)
    assert [r["variant"] for r in result.table] == ["none", "l1", "dropout"]
    for row in result.table:
        assert row["score"] == "accuracy" and row["valid"]["n"] == 2 and 0 < row["valid"]["mean"] <= 1
        gap = row["train"]["mean"] - row["valid"]["mean"]
        assert row["gap"]["mean"] == pytest.approx(gap, abs=1e-9)
    html = (result.study_dir / "report.html").read_text()
    assert "Regularization compared" in html and "data:image/png;base64" in html
    assert len(list(result.study_dir.glob("*-seed*"))) == 6


def test_every_variant_is_a_valid_config():
    for overrides in VARIANTS.values():
        regularize_config(overrides)


def test_bad_variant():
    with pytest.raises(ConfigError, match="unknown variant"):
        regularize(regularize_config(), variants=["none", "magic"])


def test_regularize_a_regression_compares_r2_and_leaves_augmentation_out(tmp_path):
    cfg = regularize_config([f"out_dir={tmp_path}", "data.name=diabetes", "train.epochs=3", "model.hidden=32",
                             "train.monitors=false"])
    result = regularize(cfg, seeds=2, variants=None, progress=False)
    assert "augment" not in [r["variant"] for r in result.table] and len(result.table) == len(VARIANTS) - 1
    assert all(r["score"] == "r2" and r["valid"]["n"] == 2 for r in result.table)
    assert "valid r2" in (result.study_dir / "report.html").read_text()
    with pytest.raises(ConfigError, match="augment variant shifts images"):
        regularize(cfg, seeds=2, variants=["none", "augment"], progress=False)
