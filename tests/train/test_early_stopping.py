"""Stopping rules: a plateau of the validation loss, or a target on any validation column."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from goodfit import Config, apply_overrides, fit
from goodfit.errors import ConfigError
from goodfit.train.callbacks import EarlyStopping


def _state(**row):
    return SimpleNamespace(last=row, should_stop=False, stop_reason=None)


@pytest.mark.parametrize("key, value, target, stops", [
    ("valid_acc", 0.97, 0.96, True), ("valid_acc", 0.95, 0.96, False),  # higher is better
    ("valid_psnr", 24.1, 24.0, True), ("valid_loss", 0.30, 0.25, False),  # a loss reaches it from above
    ("valid_loss", 0.24, 0.25, True), ("valid_mae", 1.0, 1.5, True),
])
def test_a_target_is_reached_from_the_right_side(key, value, target, stops):
    state = _state(**{key: value, "valid_loss": 1.0} if key != "valid_loss" else {key: value})
    EarlyStopping(target=target, target_key=key).on_epoch_end(state)
    assert state.should_stop is stops


def test_an_unknown_target_column_is_a_clear_error():
    with pytest.raises(ConfigError, match="valid_f2 is not a validation column of this run; it has: valid_loss"):
        EarlyStopping(target=0.5, target_key="valid_f2").on_epoch_end(_state(valid_loss=1.0, valid_acc=0.5))


def test_plateau_patience():
    stop = EarlyStopping(patience=2, min_delta=0.01)
    losses, stopped_at = [1.0, 0.8, 0.795, 0.79, 0.5], None
    for epoch, loss in enumerate(losses, 1):
        state = _state(valid_loss=loss)
        stop.on_epoch_end(state)
        if state.should_stop:
            stopped_at = epoch
            break
    assert stopped_at == 4


def test_a_run_stops_on_a_loss_target(tmp_path):
    cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=30", "train.target=0.5",
                                     "train.target_metric=valid_loss", f"out_dir={tmp_path}"])
    result = fit(cfg, progress="quiet", report=False)
    assert result.history[-1]["valid_loss"] <= 0.5 < result.history[-2]["valid_loss"]
    assert "valid loss" in result.metrics["stop_reason"] and len(result.history) < 30
