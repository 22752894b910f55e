"""Every task against an independent reference: metrics vs scikit-learn, baselines vs closed forms,
targets and outputs shaped as the loss needs, state that survives a save, clear config errors."""

import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from goodfit.config import DataConfig, OptimConfig
from goodfit.errors import ConfigError, DataError
from goodfit.tasks import (
    TASKS,
    Binary,
    Classification,
    Denoising,
    Reconstruction,
    Regression,
    create_task,
    task_from_state,
)


def test_registry_lists_every_task_and_auto_takes_the_data_sets_own():
    assert [e.name for e in TASKS] == ["classification", "binary", "regression", "reconstruction", "denoising"]
    assert create_task(DataConfig(), OptimConfig(), natural="binary").name == "binary"
    assert create_task(DataConfig(task="denoising"), OptimConfig(), natural="classification").name == "denoising"


@pytest.mark.parametrize(("task", "loss", "message"), [
    ("classification", "mse", "optim.loss=mse does not fit data.task=classification; choose ce"),
    ("binary", "ce", "choose bce"),
    ("regression", "bce", "choose mse or l1 or huber"),
])
def test_a_loss_that_does_not_fit_the_task_is_a_one_line_error(task, loss, message):
    with pytest.raises(ConfigError, match=message):
        create_task(DataConfig(task=task), OptimConfig(loss=loss))


def test_options_of_other_tasks_are_rejected():
    with pytest.raises(ConfigError, match="label_smoothing applies to cross-entropy"):
        create_task(DataConfig(task="regression"), OptimConfig(label_smoothing=0.1))
    with pytest.raises(ConfigError, match="noise_std is for data.task=denoising"):
        create_task(DataConfig(task="classification", noise_std=0.2), OptimConfig())
    with pytest.raises(ConfigError, match="target_scaling is for data.task=regression"):
        create_task(DataConfig(task="binary", target_scaling="none"), OptimConfig())
    assert create_task(DataConfig(), OptimConfig(label_smoothing=0.1)).loss_fn.label_smoothing == 0.1


def test_classification_metrics_and_baselines():
    task = Classification().fit(np.zeros((6, 2)), np.array([0, 1, 2, 2, 2, 1]), classes=("a", "b", "c"))
    logits = torch.tensor([[2.0, 0, 0], [0, 2, 0], [0, 0, 2], [2, 0, 0]])
    y = torch.tensor([0, 1, 2, 2])
    m = task.evaluate(logits, y)
    assert m["accuracy"] == 0.75 and m["loss"] == pytest.approx(float(torch.nn.functional.cross_entropy(logits, y)))
    assert m["f1_macro"] == pytest.approx(skm.f1_score(y, logits.argmax(1), average="macro"))
    b = task.baselines(torch.tensor([0, 1, 2, 2, 2, 1]), torch.zeros(4, 2), y)
    assert b["majority"] == {"class": 2, "accuracy": 0.5} and b["chance_loss"] == pytest.approx(math.log(3))
    assert task.valid_numbers(logits, y) == {"valid_loss": pytest.approx(m["loss"]), "valid_acc": 0.75}
    with pytest.raises(DataError, match="at least 2 classes"):
        Classification().fit(np.zeros((2, 1)), np.zeros(2), classes=("only",))


def test_binary_threshold_on_valid_and_metrics_against_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    logits = torch.from_numpy((2.0 * y - 1 + rng.normal(0, 1.5, 300)).astype(np.float32)).view(-1, 1)
    task = Binary().fit(np.zeros((300, 1)), y, classes=("no", "yes"))
    _, targets = task.pair(np.zeros((300, 1)), y, seed=0, train=False)
    targets = torch.from_numpy(targets)
    task.select_on_valid(logits[:150], targets[:150])
    p = torch.sigmoid(logits).numpy().ravel()
    m = task.evaluate(logits[150:], targets[150:])
    assert m["auroc"] == pytest.approx(skm.roc_auc_score(y[150:], p[150:]))
    assert m["ap"] == pytest.approx(skm.average_precision_score(y[150:], p[150:]))
    assert m["f1"] == pytest.approx(skm.f1_score(y[150:], p[150:] >= 0.5))
    assert m["f1_at_threshold"] == pytest.approx(skm.f1_score(y[150:], p[150:] >= task.threshold))
    assert task.threshold != 0.5 and task_from_state(task.state_dict()).threshold == task.threshold
    b = task.baselines(targets, torch.zeros(300, 1), targets)
    prior = y.mean()
    assert b["prior"]["loss"] == pytest.approx(-(prior * math.log(prior) + (1 - prior) * math.log(1 - prior)), rel=1e-5)
    assert b["prior"]["auroc"] == 0.5 and b["chance_loss"] == pytest.approx(b["prior"]["loss"], rel=1e-5)
    with pytest.raises(DataError, match="exactly 2 classes"):
        Binary().fit(np.zeros((3, 1)), np.array([0, 1, 2]), classes=("a", "b", "c"))
    with pytest.raises(DataError, match="targets 0 and 1"):
        task.pair(np.zeros((2, 1)), np.array([0, 3]), seed=0, train=True)


def test_regression_scales_targets_on_train_and_reports_in_their_units():
    rng = np.random.default_rng(1)
    y_train = rng.normal(100, 20, 200)
    task = Regression().fit(np.zeros((200, 3)), y_train, classes=())
    _, encoded = task.pair(np.zeros((200, 3)), y_train, seed=0, train=True)
    assert encoded.shape == (200, 1) and abs(encoded.mean()) < 1e-6 and encoded.std() == pytest.approx(1, rel=1e-5)
    y_test = rng.normal(100, 20, 50)
    pred = y_test + rng.normal(0, 5, 50)
    _, t = task.pair(np.zeros((50, 3)), y_test, seed=0, train=False)
    _, o = task.pair(np.zeros((50, 3)), pred, seed=0, train=False)
    m = task.evaluate(torch.from_numpy(o), torch.from_numpy(t))
    assert m["r2"] == pytest.approx(skm.r2_score(y_test, pred), rel=1e-5)
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(y_test, pred), rel=1e-5)
    b = task.baselines(torch.from_numpy(encoded), torch.zeros(50, 3), torch.from_numpy(t))
    assert b["mean"]["r2"] == pytest.approx(skm.r2_score(y_test, np.full(50, y_train.mean())), rel=1e-4)
    restored = task_from_state(task.state_dict())
    assert np.allclose(restored.decode(torch.from_numpy(o)), pred[:, None], rtol=1e-5)
    with pytest.raises(DataError, match="NaN or inf"):
        Regression().fit(np.zeros((2, 1)), np.array([1.0, np.nan]), classes=())


def test_denoising_pairs_noise_baseline_and_psnr():
    clean = np.random.default_rng(2).random((64, 1, 8, 8)).astype(np.float32)
    task = Denoising(noise_std=0.2).fit(clean, np.zeros(64), classes=("x",))
    noisy, target = task.pair(clean, np.zeros(64), seed=3, train=False)
    assert target is clean and np.std(noisy - clean) == pytest.approx(0.2, rel=0.05)
    again, _ = task.pair(clean, np.zeros(64), seed=3, train=False)
    assert np.array_equal(noisy, again)  # the same seed, the same noise: the test set never moves
    b = task.baselines(torch.from_numpy(clean), torch.from_numpy(noisy), torch.from_numpy(clean))
    per_image = [10 * np.log10(task.data_range**2 / np.mean((noisy[i] - clean[i]) ** 2)) for i in range(64)]
    assert b["identity"]["psnr"] == pytest.approx(np.mean(per_image), rel=1e-5)
    g = torch.Generator().manual_seed(0)
    batch = task.corrupt()(torch.from_numpy(clean), g)
    assert batch.shape == clean.shape and not torch.equal(batch, torch.from_numpy(clean))
    assert task.output_shape((1, 8, 8)) == (1, 8, 8)
    with pytest.raises(ConfigError, match="noise_std"):
        Denoising(noise_std=0)


def test_reconstruction_targets_are_the_inputs():
    x = np.ones((3, 5), np.float32)
    task = Reconstruction().fit(x, np.zeros(3), classes=())
    inputs, targets = task.pair(x, np.zeros(3), seed=0, train=False)
    assert inputs is targets is x and task.corrupt() is None
