"""lint_config: the lint on a goodfit config, as fit() runs it."""

import numpy as np
import torch

from goodfit import Config, apply_overrides
from goodfit.checks import lint_config


def test_scaling_is_checked_only_when_goodfit_does_not_scale():
    raw = lint_config(apply_overrides(Config(), ["data.name=digits", "data.scaling=none"]))
    assert "unscaled-inputs" in {f.id for f in raw}  # digits are integers 0..16
    scaled = lint_config(apply_overrides(Config(), ["data.name=digits"]))
    assert not {"unscaled-inputs", "scaling-leak"} & {f.id for f in scaled}


def test_streamed_splits_are_linted_on_a_sample_and_sanity_checked(monkeypatch):
    from goodfit.checks import pipeline
    from goodfit.data import prepare_data

    monkeypatch.setattr(pipeline, "LINT_BYTES_STREAMED", 100 * 64 * 4)  # 100 rows of 8x8
    config = apply_overrides(Config(), ["data.name=digits", "data.stream=true"])
    data = prepare_data(config.data, optim=config.optim)
    x, y = pipeline._split(data.train)
    assert x.shape == (100, 1, 8, 8) and len(y) == 100 and x.dtype == torch.float32
    held = prepare_data(apply_overrides(config, ["data.stream=false"]).data)
    rows = np.sort(np.random.default_rng(0).choice(len(held.train), 100, replace=False))
    assert torch.equal(x, torch.from_numpy(held.train.x[rows]))
    assert {f.id for f in pipeline.lint_config(config, data=data)} == {f.id for f in pipeline.lint_config(config)}
    assert pipeline.sanity_config(config, data=data).passed
