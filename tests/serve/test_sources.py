"""What ``goodfit serve`` serves: untrained models, runs followed as they train, analog read-outs."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import torch

import goodfit
from goodfit.errors import ConfigError, RunDirError
from goodfit.serve import create_app
from goodfit.serve.follow import Follower
from goodfit.serve.predictor import Predictor
from goodfit.serve.sources import open_model

DIGITS = ["data.name=digits", "train.epochs=2"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    cfg = goodfit.apply_overrides(goodfit.Config(), [*DIGITS, f"out_dir={tmp_path_factory.mktemp('runs')}"])
    return goodfit.fit(cfg, progress="quiet", report=False).run_dir


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (1, 8, 8)).astype(np.float32)


def test_untrained_model_is_the_one_training_starts_from(digits_run):
    predictor, follower = open_model(digits_run, untrained=True)
    assert follower is None and predictor.info["trained"] is False and predictor.info["epoch"] == 0
    start = torch.load(digits_run / "checkpoints" / "last.pt", weights_only=False)["untrained"]
    weights = predictor.loaded.model.state_dict()
    assert weights.keys() == start.keys() and all(torch.equal(weights[k], start[k]) for k in start)


def test_untrained_guesses_are_near_chance_and_trained_ones_are_not(digits_run):
    untrained, _ = open_model(None, overrides=DIGITS)
    trained, _ = open_model(digits_run)
    assert untrained.info["run"] is None and trained.info["trained"] is True
    ds = goodfit.load_dataset("digits")
    x, y = ds.x_test[:200], ds.y_test[:200]

    def accuracy(p):
        return np.mean([p.predict_raw(xi, top_k=1)["top"][0]["index"] == yi for xi, yi in zip(x, y)])

    top = [untrained.predict_raw(xi)["top"][0]["probability"] for xi in x[:20]]
    assert accuracy(untrained) < 0.35 and max(top) < 0.5  # chance is 0.1
    assert accuracy(trained) > 0.6


def test_scores_are_logits(digits_run):
    predictor, _ = open_model(digits_run)
    top = predictor.predict_raw(_image(), top_k=10)["top"]
    scores = np.array([t["score"] for t in top])
    softmax = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose([t["probability"] for t in top], softmax, rtol=1e-6)
    assert predictor.info["score_kind"] == "logit"


def test_analog_mlp_answers_its_integer_read_outs(tmp_path):
    """An ``analog-mlp`` run is served like any other; its raw scores are the chip's integer read-outs,
    and the probabilities are the softmax of read-out × logit_scale (what the loss saw)."""
    cfg = goodfit.apply_overrides(goodfit.Config(), [
        *DIGITS, "train.epochs=1", "model.name=analog-mlp", "data.scaling=minmax01", "model.analog.noise=0",
        "model.analog.hidden=32", f"out_dir={tmp_path}"])
    run = goodfit.fit(cfg, progress="quiet", report=False).run_dir
    predictor, _ = open_model(run)
    assert predictor.info["score_kind"] == "read-out"
    top = predictor.predict_raw(_image(1) / 16, top_k=10)["top"]
    scores = np.array([t["score"] for t in top])
    assert np.array_equal(scores, np.round(scores)) and np.ptp(scores) > 0
    logits = scores * cfg.model.analog.logit_scale
    softmax = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose([t["probability"] for t in top], softmax, rtol=1e-6)
    client_info = create_app(predictor).state.predictor.info
    assert client_info["model"] == "analog-mlp"


def test_follower_swaps_in_each_whole_checkpoint(digits_run, tmp_path, testclient):
    """A run folder that grows checkpoint by checkpoint: the app serves each new one (its version
    bumps), a half-written or corrupt last.pt is skipped, never served."""
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    shutil.copy(digits_run / "config.yaml", run / "config.yaml")
    predictor, follower = open_model(run, watch=True, poll_s=0.05)
    app = create_app(predictor, follower=follower)
    with testclient(app) as client:
        info = client.get("/api/info").json()
        assert info["trained"] is False and info["watch"] is True and info["training"] == "waiting"
        assert info["run"] == "run" and info["version"] == 1
        (run / "checkpoints" / "last.pt").write_bytes(b"half a checkpoint")
        assert follower.poll() is False and client.get("/api/info").json()["version"] == 1
        os.replace(_copy(digits_run / "checkpoints" / "last.pt", run / "checkpoints" / "next.tmp"),
                   run / "checkpoints" / "last.pt")  # as the trainer writes it: a rename
        for _ in range(200):
            info = client.get("/api/info").json()
            if info["version"] == 2:
                break
            follower._stop.wait(0.05)
        assert info["trained"] is True and info["epoch"] == 2 and 0 < info["valid_accuracy"] <= 1
        assert info["training"] == "training"
        r = client.post("/api/predict", json={"pixels": [[0, 255, 255, 0]] * 6})
        assert r.status_code == 200 and client.get("/api/stats").json()["predictions"] == 1
    assert not follower._thread.is_alive()  # stopped with the app


def _copy(src, dst):
    shutil.copy(src, dst)
    return dst


def test_follower_reports_a_finished_run(digits_run):
    seen = []
    follower = Follower(digits_run, on_model=lambda loaded: seen.append(loaded.epoch))
    assert follower.status == "finished" and follower.poll() and seen == [2]


def test_with_model_refuses_another_data_set(digits_run):
    predictor, _ = open_model(digits_run)
    other = goodfit.apply_overrides(goodfit.Config(), ["data.name=mnist-5k"])
    with pytest.raises(RunDirError, match="takes"):
        predictor.with_model(Predictor.untrained(other, samples=False).loaded)


@pytest.mark.parametrize(("target", "kwargs", "message"), [
    ("run", {"overrides": ["optim.lr=1"]}, "overrides cannot change"),
    ("run", {"untrained": True, "backend": "onnx"}, "--backend onnx"),
    ("missing.yaml", {}, "no such run folder or config file"),
    ("missing-run", {}, "not found"),
    (None, {"overrides": ["model.name=nope"]}, "nope"),
])
def test_bad_sources_are_one_line_errors(digits_run, tmp_path, target, kwargs, message):
    path = digits_run if target == "run" else (tmp_path / target if target else None)
    with pytest.raises((ConfigError, RunDirError, goodfit.GoodfitError), match=message) as err:
        open_model(path, **kwargs)
    assert "\n" not in str(err.value)


def test_page_speaks_the_requested_language(digits_run, testclient):
    predictor, _ = open_model(digits_run)
    with testclient(create_app(predictor)) as client:
        de = client.get("/?lang=de").text
        assert '<html lang="de">' in de and "Male eine Ziffer" in de and "Löschen" in de
        en = client.get("/?lang=xx").text  # unknown: the server's language (English in the tests)
        assert '<html lang="en">' in en and "Draw a digit" in en
