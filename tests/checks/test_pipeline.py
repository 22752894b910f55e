"""lint_config: the lint on a goodfit config, as fit() runs it."""

from goodfit import Config, apply_overrides
from goodfit.checks import lint_config


def test_scaling_is_checked_only_when_goodfit_does_not_scale():
    raw = lint_config(apply_overrides(Config(), ["data.name=digits", "data.scaling=none"]))
    assert "unscaled-inputs" in {f.id for f in raw}  # digits are integers 0..16
    scaled = lint_config(apply_overrides(Config(), ["data.name=digits"]))
    assert not {"unscaled-inputs", "scaling-leak"} & {f.id for f in scaled}
