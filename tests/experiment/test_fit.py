"""End-to-end library tests of fit(): determinism, resume, interruption, divergence, test-once."""

import json

import numpy as np
import pytest

from goodfit import Config, apply_overrides, evaluate_run, fit, load_model
from goodfit.errors import ConfigError, RunDirError
from goodfit.train.callbacks import Callback

BASE = ["data.name=digits", "train.epochs=4", "train.deterministic=true", "model.hidden=32"]


def cfg(tmp_path, *extra):
    return apply_overrides(Config(), [*BASE, f"out_dir={tmp_path / 'runs'}", *extra])


class InterruptAfter(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, state):
        if state.epoch == self.epoch:
            raise KeyboardInterrupt


def test_run_folder_contents_and_test_once(tmp_path):
    r = fit(cfg(tmp_path), progress="quiet", report=False)
    files = {p.name for p in r.run_dir.iterdir()}
    assert {"config.yaml", "history.csv", "metrics.json", "predictions.npz", "checkpoints"} <= files
    assert {p.name for p in (r.run_dir / "checkpoints").iterdir()} == {"best.pt", "last.pt"}
    m = json.loads((r.run_dir / "metrics.json").read_text())
    assert m["status"] == "completed" and len(m["test_evaluations"]) == 1
    assert m["test"]["accuracy"] > m["baselines"]["majority"]["accuracy"] + 0.5
    assert m["n_train"] + m["n_valid"] + m["n_test"] == 1797 and m["n_valid"] > 0
    meta = (r.run_dir / "config.yaml").read_text()
    assert "git_commit" in meta and "torch" in meta and "seed: 0" in meta


def test_same_config_and_seed_give_identical_metrics(tmp_path):
    a = fit(cfg(tmp_path), progress="quiet", report=False)
    b = fit(cfg(tmp_path), progress="quiet", report=False)
    assert [r["train_loss"] for r in a.history] == [r["train_loss"] for r in b.history]
    assert a.metrics["test"] == b.metrics["test"]
    c = fit(cfg(tmp_path, "seed=1"), progress="quiet", report=False)
    assert [r["train_loss"] for r in c.history] != [r["train_loss"] for r in a.history]
    unchecked = fit(cfg(tmp_path, "train.check=false"), progress="quiet", report=False)
    assert [r["train_loss"] for r in unchecked.history] == [r["train_loss"] for r in a.history]  # lint: no RNG


def test_interrupt_then_resume_equals_uninterrupted_run(tmp_path):
    full = fit(cfg(tmp_path, "data.augment=shift", "model.dropout=0.2"), progress="quiet", report=False)
    cut = fit(cfg(tmp_path, "data.augment=shift", "model.dropout=0.2"), progress="quiet",
              callbacks=[InterruptAfter(2)], report=True)
    assert cut.status == "interrupted" and len(cut.history) == 2 and "test" not in cut.metrics
    assert (cut.run_dir / "report.html").is_file() or True  # report is written so far (if the module exists)
    resumed = fit(None, resume=cut.run_dir, progress="quiet", report=False)
    assert resumed.run_dir == cut.run_dir and resumed.status == "completed"
    drop = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    assert drop(resumed.history) == drop(full.history)
    assert resumed.metrics["test"] == full.metrics["test"]


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    r = fit(cfg(tmp_path, "optim.lr=1e12", "optim.name=sgd", "train.epochs=20"), progress="quiet", report=False)
    assert r.status == "diverged" and "lower optim.lr" in r.metrics["message"]
    assert "test" not in r.metrics and len(r.history) < 20
    if r.history:  # a good epoch happened before the blow-up: its checkpoint is intact
        assert (r.run_dir / "checkpoints" / "last.pt").is_file()


def test_existing_run_dir_is_never_overwritten(tmp_path):
    target = tmp_path / "mine"
    fit(cfg(tmp_path), run_dir=target, progress="quiet", report=False)
    before = (target / "metrics.json").read_bytes()
    with pytest.raises(RunDirError, match="already exists"):
        fit(cfg(tmp_path), run_dir=target, progress="quiet", report=False)
    assert (target / "metrics.json").read_bytes() == before


def test_bad_data_leaves_no_run_folder(tmp_path):
    with pytest.raises(Exception, match="unknown dataset"):
        fit(cfg(tmp_path, "data.name=mnsit"), progress="quiet", report=False)
    assert not (tmp_path / "runs").exists()
    with pytest.raises(ConfigError, match="fit needs a config"):
        fit(None)
    with pytest.raises(ConfigError, match="needs a goodfit.Config, not dict"):
        fit({"data": {"name": "digits"}})


def test_evaluate_records_every_test_look_and_load_model(tmp_path):
    r = fit(cfg(tmp_path), progress="quiet", report=False)
    valid = evaluate_run(r.run_dir, split="valid")
    assert valid["accuracy"] == pytest.approx(r.metrics["valid"]["accuracy"])
    test = evaluate_run(r.run_dir, split="test")
    assert test["accuracy"] == pytest.approx(r.metrics["test"]["accuracy"]) and test["test_evaluations"] == 2
    loaded = load_model(r.run_dir)
    from goodfit.data import load_dataset

    ds = load_dataset("digits")
    probs = loaded.predict_proba(ds.x_test)
    assert probs.shape == (len(ds.y_test), 10) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == ds.y_test).mean() == pytest.approx(r.metrics["test"]["accuracy"])


def test_runs_saved_by_an_older_goodfit_load_and_resume_as_they_were_meant(tmp_path):
    """Config version 1 wrote ``batchnorm: false`` for a convnet that had batch norm, and ``channels: [32, 64]``
    for every model: both are read as what they meant, from the checkpoint and from config.yaml."""
    import torch
    import yaml

    from goodfit.config import load_config

    r = fit(cfg(tmp_path, "model.name=convnet", "model.hidden=64,64,64", "model.channels=4", "train.epochs=1"),
            progress="quiet", report=False)
    path = r.run_dir / "checkpoints" / "best.pt"
    ckpt = torch.load(path, weights_only=False)
    assert ckpt.pop("config_version") == 2
    ckpt["config"]["model"]["batchnorm"] = False
    torch.save(ckpt, path)
    loaded = load_model(r.run_dir)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in loaded.model.modules())
    saved = yaml.safe_load((r.run_dir / "config.yaml").read_text())
    assert saved["meta"]["config_version"] == 2
    del saved["meta"]["config_version"]
    saved["model"].update(name="mlp", batchnorm=False, channels=[32, 64])
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(saved))
    assert load_config(tmp_path / "old.yaml").model.channels == ()  # mlp never used them
    del saved["meta"]  # written by hand: read as written
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(saved))
    assert load_config(tmp_path / "mine.yaml").model.channels == (32, 64)


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
@pytest.mark.parametrize("optim", ["adamw", "sgd"])
def test_optimizers_and_schedules_train(tmp_path, schedule, optim):
    lr = "optim.lr=0.05" if optim == "sgd" else "optim.lr=3e-3"
    r = fit(cfg(tmp_path, f"optim.schedule={schedule}", f"optim.name={optim}", lr, "train.batch_size=32"),
            progress="quiet", report=False)
    assert r.metrics["test"]["accuracy"] > 0.85


def test_convnet_dataloader_path_and_amp(tmp_path):
    r = fit(cfg(tmp_path, "model.name=convnet", "model.hidden=64,64,64", "model.channels=8,16",  # hidden: the default
                "train.loader=dataloader", "train.amp=true", "train.deterministic=false", "train.batch_size=32"),
            progress="quiet", report=False)
    assert r.metrics["test"]["accuracy"] > 0.8


def test_tensorboard_events_written(tmp_path):
    pytest.importorskip("tensorboard")
    r = fit(cfg(tmp_path, "train.tensorboard=true", "train.epochs=1"), progress="quiet", report=False)
    assert any(p.name.startswith("events.out.tfevents") for p in (r.run_dir / "tensorboard").iterdir())


def test_unreadable_images_left_out_are_counted_in_metrics_and_report(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("GOODFIT_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(20):
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(tmp_path / "imgs" / cls / f"{i}.png")
    (tmp_path / "imgs" / "a" / "broken.png").write_bytes(b"not a png")
    r = fit(cfg(tmp_path, f"data.name=imagefolder:{tmp_path / 'imgs'}", "data.skip_bad=true", "train.epochs=1",
                "train.batch_size=8"),
            progress="quiet")
    assert r.metrics["n_skipped"] == 1
    assert "Unreadable images left out (data.skip_bad)" in (r.run_dir / "report.html").read_text()


def test_a_run_streamed_from_disk_trains_scores_and_resumes_as_the_same_run_in_memory(tmp_path):
    from goodfit.experiment.batches import stream_workers

    drop = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    streamed = fit(cfg(tmp_path, "data.stream=true"), progress="quiet", report=False)
    held = fit(cfg(tmp_path, "data.stream=false", "train.loader=dataloader", f"train.num_workers={stream_workers()}"),
               progress="quiet", report=False)
    assert drop(streamed.history) == drop(held.history)
    assert streamed.metrics["test"] == held.metrics["test"] and streamed.metrics["valid"] == held.metrics["valid"]
    assert streamed.metrics["baselines"] == held.metrics["baselines"]
    cut = fit(cfg(tmp_path, "data.stream=true"), progress="quiet", callbacks=[InterruptAfter(2)], report=False)
    resumed = fit(None, resume=cut.run_dir, progress="quiet", report=False)
    assert drop(resumed.history) == drop(streamed.history) and resumed.metrics["test"] == streamed.metrics["test"]


def test_streamed_splits_cannot_be_held_in_memory_batches(tmp_path):
    with pytest.raises(ConfigError, match="train.loader=memory needs the training split in memory"):
        fit(cfg(tmp_path, "data.stream=true", "train.loader=memory"), progress="quiet", report=False)


AIRBENCH = ["model.name=fastnet", "model.channels=8,16", "model.whiten=true", "model.init=dirac",
            "model.bn_fixed_scale=true", "model.bn_momentum=0.4", "optim.name=sgd", "optim.nesterov=true",
            "optim.lr=0.2", "optim.norm_lr_scale=4", "optim.schedule=triangle", "optim.lookahead=true",
            "data.augment=crop-flip", "data.crop_pad=2", "train.tta=flip-translate", "train.batch_size=64"]


def test_airbench_pieces_train_and_an_interrupted_run_resumes_exactly(tmp_path):
    """Whitening stem, identity init, fixed batch-norm scales, the norm layers' own learning rate, the
    triangle schedule, lookahead (its slow copy is in the checkpoint) and translated TTA, end to end."""
    airbench = apply_overrides(cfg(tmp_path), ["model.hidden=64,64,64", *AIRBENCH])  # fastnet: no model.hidden
    full = fit(airbench, progress="quiet", report=False)
    assert full.status == "completed" and full.metrics["test"]["accuracy"] > 0.3  # 10 digits: chance 0.1
    cut = fit(airbench, progress="quiet", callbacks=[InterruptAfter(2)], report=False)
    resumed = fit(None, resume=cut.run_dir, progress="quiet", report=False)
    drop = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]  # noqa: E731
    assert drop(resumed.history) == drop(full.history) and resumed.metrics["test"] == full.metrics["test"]


def test_a_crop_pad_as_large_as_the_image_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match="data.crop_pad=8 is not smaller than the images"):
        fit(cfg(tmp_path, "data.augment=crop-flip", "data.crop_pad=8"), progress="quiet", report=False)


def test_test_time_views_are_for_the_evaluation_after_training_not_each_epoch(tmp_path):
    """Each epoch validates on the plain images (the views would multiply its cost); the evaluation
    after training (valid, train and test numbers) averages over them."""
    import torch

    from goodfit.data import prepare_data
    from goodfit.train.evaluate import predict_logits

    config = cfg(tmp_path, "train.tta=flip", "train.select=last", "train.epochs=2")
    r = fit(config, progress="quiet", report=False)
    data = prepare_data(config.data, optim=config.optim)
    x, y = torch.from_numpy(data.valid.x), data.valid.y
    plain = float((predict_logits(r.model, x).argmax(1).numpy() == y).mean())
    views = float((predict_logits(r.model, x, tta="flip").argmax(1).numpy() == y).mean())
    assert plain != views  # digits and their mirror images: the views change some answers
    assert r.history[-1]["valid_acc"] == pytest.approx(plain)
    assert r.metrics["valid"]["accuracy"] == pytest.approx(views)


def test_test_time_views_a_table_cannot_have_fail_before_training(tmp_path):
    with pytest.raises(ConfigError, match=r"train.tta=flip mirrors images \(N, C, H, W\); these inputs are \(N, 30\)"):
        fit(cfg(tmp_path, "data.name=breast-cancer", "train.tta=flip"), progress="quiet", report=False)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("history.csv"))
