"""A small speech folder (four synthetic "voices") and a denoising run trained on it once per session."""

from __future__ import annotations

import pytest
from voices import TINY, write_voices


@pytest.fixture(scope="session")
def voices(tmp_path_factory):
    return write_voices(tmp_path_factory.mktemp("voices"))


@pytest.fixture(scope="session")
def tiny_run(voices, tmp_path_factory):
    from goodfit.config import apply_overrides
    from goodfit.denoise import DenoiseConfig, fit_denoiser

    cfg = apply_overrides(DenoiseConfig(), [f"data.name=folder:{voices}", "data.test_speakers=dan",
                                            f"out_dir={tmp_path_factory.mktemp('runs')}", *TINY])
    return fit_denoiser(cfg, progress="quiet")
