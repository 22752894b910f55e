"""fit_generative end to end on tiny data: run folder, metrics, quality, generate, config errors."""

import json

import numpy as np
import pytest
import torch

from goodfit.config import apply_overrides
from goodfit.errors import ConfigError, RunDirError
from goodfit.generative import (
    GenConfig,
    fit_generative,
    generate,
    load_generator,
    negative_elbo,
    sample_images,
)

TINY = ["data.name=digits", "train.epochs=2", "quality.n_samples=100", "quality.classifier_epochs=1"]


def test_vae_run_folder_metrics_report_and_generate(tmp_path):
    cfg = apply_overrides(GenConfig(), [*TINY, "model.latent=2", "model.hidden=32", f"out_dir={tmp_path}"])
    res = fit_generative(cfg, progress="quiet")
    files = {p.name for p in res.run_dir.iterdir()}
    assert {"config.yaml", "history.csv", "metrics.json", "checkpoints", "plots", "classifier", "report.html"} <= files
    m = json.loads((res.run_dir / "metrics.json").read_text())
    assert m["status"] == "completed" and m["epochs_run"] == 2
    assert m["test"]["neg_elbo"] == pytest.approx(m["test"]["recon"] + m["test"]["kl"])
    q = m["quality"]
    assert q["frechet_distance"] >= 0 and "not FID" in q["feature_space"]
    assert sum(q["mode_coverage"]["counts"]) == q["n_samples"] == 100
    assert len(res.history) == 2 and "valid_loss" in res.history[0]
    html = (res.run_dir / "report.html").read_text()
    assert "Fréchet distance" in html and "not Inception features" in html
    written = generate(res.run_dir, n=9, seed=1, interpolate=True, pair=(0, 5))
    assert set(written) == {"samples", "interpolation", "latent", "manifold"}
    assert written["samples"].name == "samples-n9-seed1.png" and written["interpolation"].name == "interpolate-0-5.png"
    gen = load_generator(res.run_dir)
    assert gen.model.latent == 2 and gen.classes == tuple(str(i) for i in range(10))
    test_x = torch.from_numpy(np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32))
    assert negative_elbo(gen.model, test_x)["kl"] >= 0
    with pytest.raises(ConfigError, match="test positions must lie"):
        generate(res.run_dir, interpolate=True, pair=(0, 10**6))


def test_gan_run_and_samples(tmp_path):
    cfg = apply_overrides(GenConfig(), [*TINY, "train.epochs=1", "model.name=gan", "model.latent=8",
                                        "model.width=8", "quality.enabled=false", f"out_dir={tmp_path}"])
    res = fit_generative(cfg, progress="quiet", report=False)
    assert res.metrics["status"] == "completed" and "test" not in res.metrics
    assert {"d_loss", "d_real", "d_fake"} <= set(res.history[0])
    gen = load_generator(res.run_dir)
    x = sample_images(gen.model, 6, seed=0)
    assert x.shape == (6, 1, 8, 8) and np.array_equal(x, sample_images(gen.model, 6, seed=0))
    written = generate(res.run_dir, n=4, interpolate=True)
    assert set(written) == {"samples", "interpolation"}  # no encoder: prior-to-prior path, no latent maps


def test_generative_config_checks_and_run_errors(tmp_path):
    with pytest.raises(ConfigError, match="data.scaling=minmax01"):
        apply_overrides(GenConfig(), ["data.scaling=standardize"])
    with pytest.raises(ConfigError, match="choose one of vae, gan"):
        apply_overrides(GenConfig(), ["model.name=flow"])
    assert apply_overrides(GenConfig(), ["model.name=gan"]).lr == 2e-4
    with pytest.raises(RunDirError, match="not found"):
        load_generator(tmp_path / "missing")


def test_a_classifier_run_is_not_a_generator(tmp_path):
    from goodfit import Config, fit

    cfg = apply_overrides(Config(), ["data.name=digits", "train.epochs=1", f"out_dir={tmp_path}",
                                     "train.monitors=false", "train.check=false"])
    run = fit(cfg, progress="quiet", report=False).run_dir
    with pytest.raises(RunDirError, match="classifier run"):
        load_generator(run)


def test_an_interrupted_vae_run_resumes_to_the_same_history(tmp_path):
    """The generative models train in the one loop: a killed run resumes from last.pt like a classifier's."""
    import shutil

    base = [*TINY, "train.epochs=3", "model.latent=2", "model.hidden=16", "quality.enabled=false"]
    whole = fit_generative(apply_overrides(GenConfig(), [*base, f"out_dir={tmp_path / 'a'}"]), progress="quiet",
                           report=False)
    cut = fit_generative(apply_overrides(GenConfig(), [*base, "train.epochs=2", f"out_dir={tmp_path / 'b'}"]),
                         progress="quiet", report=False)
    cfg = (cut.run_dir / "config.yaml").read_text().replace("epochs: 2", "epochs: 3")
    (cut.run_dir / "config.yaml").write_text(cfg)  # as if the run had been stopped after epoch 2 of 3
    shutil.rmtree(cut.run_dir / "plots", ignore_errors=True)
    resumed = fit_generative(None, resume=cut.run_dir, progress="quiet", report=False)
    assert len(resumed.history) == 3
    for a, b in zip(resumed.history, whole.history, strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
        assert a["valid_loss"] == pytest.approx(b["valid_loss"], rel=1e-5)
    assert json.loads((cut.run_dir / "findings.json").read_text()) is not None
    with pytest.raises(ConfigError, match="a config, or resume=RUN"):
        fit_generative(None)
