"""train.tracking picks the trackers; train.tensorboard=true stays the same as tracking=tensorboard."""

import pytest

import goodfit
from goodfit.errors import ConfigError


@pytest.mark.parametrize("override", ["train.tracking=tensorboard", "train.tensorboard=true"])
def test_tensorboard_event_files(tmp_path, override):
    cfg = goodfit.apply_overrides(goodfit.Config(), ["data.name=digits", "train.epochs=1", f"out_dir={tmp_path}",
                                                     override])
    run = goodfit.fit(cfg, progress="quiet", report=False).run_dir
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))


def test_tracking_values_are_checked():
    assert goodfit.apply_overrides(goodfit.Config(), ["train.tracking=tensorboard,mlflow"]).train.tracking == (
        "tensorboard", "mlflow")
    with pytest.raises(ConfigError, match="choose one of none, tensorboard, mlflow"):
        goodfit.apply_overrides(goodfit.Config(), ["train.tracking=wandb"])
    with pytest.raises(ConfigError, match="cannot be combined"):
        goodfit.apply_overrides(goodfit.Config(), ["train.tracking=none,mlflow"])
