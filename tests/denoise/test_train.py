"""A denoising run end to end: the run folder, the one look at the test speakers, resume, the report."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
from voices import TINY

from goodfit.config import apply_overrides
from goodfit.denoise import DenoiseConfig, enhance_file, fit_denoiser, load_denoiser
from goodfit.errors import ConfigError, RunDirError


def test_a_run_writes_its_folder_and_compares_once(tiny_run):
    m, run = tiny_run.metrics, tiny_run.run_dir
    assert m["status"] == "completed" and m["epochs_run"] == 2
    for name in ("config.yaml", "history.csv", "metrics.json", "report.html", "checkpoints/best.pt"):
        assert (run / name).is_file(), name
    test = m["test"]
    assert test["methods"] == ["noisy", "wiener", "gating", "model"]
    assert {(c["noise"], c["snr_db"]) for c in test["cells"]} == {(n, s) for n in ("white", "babble") for s in (0, 10)}
    assert test["summary"]["0"]["noisy"]["si_sdri"] == pytest.approx(0.0, abs=1e-9)
    assert len(m["test_evaluations"]) == 1 and m["speakers"]["test"] == ["dan"]
    assert "stoi_below_noisy" in test
    assert len(m["examples"]) == 2 and all((run / "examples" / f).is_file()
                                           for ex in m["examples"] for f in ex["files"].values())
    history = [json.loads(json.dumps(r)) for r in tiny_run.history]
    assert {"valid_si_sdr", "valid_si_sdri", "valid_loss"} <= set(history[0])


def test_the_report_plays_and_shows_the_examples(tiny_run):
    html = (tiny_run.run_dir / "report.html").read_text()
    assert html.count("<audio") == 6 and "data:audio/wav;base64," in html
    assert "never heard in training" in html and "SI-SDR improvement" in html
    assert "http://" not in html and "https://" not in html  # self-contained


def test_a_completed_run_is_not_resumed(tiny_run):
    with pytest.raises(RunDirError, match="is complete"):
        fit_denoiser(None, resume=tiny_run.run_dir)


def test_an_interrupted_run_resumes_to_the_same_result(voices, tmp_path):
    cfg = apply_overrides(DenoiseConfig(), [f"data.name=folder:{voices}", "data.test_speakers=dan",
                                            f"out_dir={tmp_path}", *TINY, "eval.examples=0",
                                            "optim.schedule=constant"])  # the same lr whatever train.epochs says
    whole = fit_denoiser(cfg, progress="quiet", report=False)
    short = fit_denoiser(apply_overrides(cfg, ["train.epochs=1", "name=part"]), progress="quiet", report=False)
    # make the one-epoch run look interrupted after epoch 1 of 2, then resume it
    text = (short.run_dir / "config.yaml").read_text().replace("epochs: 1", "epochs: 2")
    (short.run_dir / "config.yaml").write_text(text)
    (short.run_dir / "metrics.json").unlink()
    resumed = fit_denoiser(None, resume=short.run_dir, progress="quiet", report=False)
    assert [r["train_loss"] for r in resumed.history] == pytest.approx([r["train_loss"] for r in whole.history])
    assert resumed.metrics["test"]["summary"] == whole.metrics["test"]["summary"]


def test_enhance_file_any_rate_and_never_overwrites(tiny_run, tmp_path):
    src = tmp_path / "in.wav"
    rng = np.random.default_rng(0)
    soundfile.write(src, 0.1 * rng.normal(size=16000 * 3), 16000)  # 16 kHz, 3 s
    out = enhance_file(tiny_run.run_dir, src, tmp_path / "out.wav", chunk_s=1.0)
    audio, rate = soundfile.read(out)
    assert rate == 16000 and audio.shape == (48000,)
    with pytest.raises(ConfigError, match="exists"):
        enhance_file(tiny_run.run_dir, src, out)
    with pytest.raises(ConfigError, match=r"\.wav, \.flac or \.ogg"):
        enhance_file(tiny_run.run_dir, src, tmp_path / "out.mp3")
    assert load_denoiser(tiny_run.run_dir).sr == 8000


def test_load_denoiser_refuses_other_runs(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunDirError):
        load_denoiser(tmp_path / "empty")
