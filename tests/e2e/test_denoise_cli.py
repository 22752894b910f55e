"""``goodfit denoise`` as a user runs it: train, apply (the short form too), compare, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from helpers import assert_one_line_error, run_cli, value_after
from voices import TINY, write_voices

pytestmark = pytest.mark.e2e


def test_train_apply_compare(tmp_path):
    voices = write_voices(tmp_path / "voices")
    out = run_cli("denoise", "train", f"data.name=folder:{voices}", "data.test_speakers=dan",
                  f"out_dir={tmp_path / 'runs'}", *TINY, "--progress", "lines").stdout
    assert "status: completed" in out and "at 0 dB input SNR" in out
    run = value_after(out, "run")
    assert value_after(out, "report").endswith("report.html")

    src = tmp_path / "noisy.flac"
    soundfile.write(src, 0.05 * np.random.default_rng(0).normal(size=22050), 22050)
    done = run_cli("denoise", run, src, "-o", tmp_path / "clean.wav").stdout  # short for `denoise apply`
    assert value_after(done, "denoised").endswith("clean.wav")
    assert soundfile.info(str(tmp_path / "clean.wav")).samplerate == 22050

    table = run_cli("denoise", "compare", run).stdout
    assert "babble" in table and "Wiener filter" in table and "columns: SI-SDR improvement" in table

    assert_one_line_error(run_cli("denoise", run, src, "-o", tmp_path / "clean.wav", check=False), "exists")
    assert_one_line_error(run_cli("denoise", "compare", tmp_path, check=False))
    assert_one_line_error(run_cli("denoise", "train", "data.noises=purple", check=False), "unknown noise purple")
    assert_one_line_error(run_cli("denoise", "train", f"data.name=folder:{tmp_path / 'none'}",
                                  f"out_dir={tmp_path / 'runs'}", check=False), "no WAV")
