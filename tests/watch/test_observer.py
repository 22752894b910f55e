"""The observer's threads: the checks of captured data run on a worker beside the script, everything
that touches the model or the random streams stays on the script's thread, and a failing check on
the worker is reported without stopping the script."""

import contextlib
import threading

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import goodfit
from goodfit.watch import judge


def _course_loop(model, opt, train, valid, epochs=2):
    for _ in range(epochs):
        model.train()
        for xb, yb in train:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            for xb, _yb in valid:
                model(xb)


def _setup(weight_decay=0.0):
    torch.manual_seed(0)
    x, y = torch.randn(256, 6), torch.arange(256) % 3
    train = DataLoader(TensorDataset(x, y), batch_size=16)  # unshuffled: a finding of the data checks
    valid = DataLoader(TensorDataset(x[:32].clone(), y[:32].clone()), batch_size=16)  # train samples again
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=weight_decay)
    return model, opt, train, valid


def test_data_checks_report_from_the_worker_and_model_checks_from_the_script_thread():
    model, opt, train, valid = _setup(weight_decay=0.5)
    callers: set[str] = set()
    model.register_forward_hook(lambda *_: callers.add(threading.current_thread().name))
    reported: dict[str, str] = {}
    with goodfit.watch(echo=lambda f: reported.setdefault(f.id, threading.current_thread().name)) as watcher:
        _course_loop(model, opt, train, valid)
    here = threading.current_thread().name
    assert callers == {here}  # the probe pass, the monitors and the script's own calls: never the worker
    assert reported["extreme-weight-decay"] == here  # judged at the first step, on the script's thread
    assert reported["unshuffled-train-loader"].startswith("goodfit-watch")
    assert reported["train-valid-overlap"].startswith("goodfit-watch")
    assert set(reported) == {f.id for f in watcher.findings}


def test_training_on_another_thread_than_the_one_that_started_watching_is_seen():
    model, opt, train, valid = _setup(weight_decay=0.5)
    with goodfit.watch(echo=None) as watcher:
        trainer = threading.Thread(target=_course_loop, args=(model, opt, train, valid))
        trainer.start()
        trainer.join()
    found = {f.id for f in watcher.findings}
    assert {"extreme-weight-decay", "unshuffled-train-loader", "train-valid-overlap"} <= found


def _watch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("goodfit-watch")]


def test_no_worker_thread_outlives_its_checks_while_the_script_goes_on():
    # A thread that ran torch's parallel kernels and stays alive keeps its OpenMP team; with GNU OpenMP
    # that slowed every later step of the course script twice over (bench/RESULTS.md). So each batch
    # of checks gets a thread that ends with it.
    model, opt, train, valid = _setup()
    alive_later = []
    with goodfit.watch(echo=None) as watcher:
        _course_loop(model, opt, train, valid, epochs=1)  # the training and validation data checks start
        for t in _watch_threads():
            t.join(timeout=60)
        _course_loop(model, opt, train, valid, epochs=1)
        alive_later = _watch_threads()
    assert alive_later == []
    assert {"unshuffled-train-loader", "train-valid-overlap"} <= {f.id for f in watcher.findings}


def test_the_checks_of_the_loaders_run_one_after_another_in_the_order_they_were_seen(monkeypatch):
    order: list[str] = []
    real_training, real_eval = judge.training_data_checks, judge.eval_data_checks

    def slow_training(obs, rec):
        run = real_training(obs, rec)

        def judged():
            threading.Event().wait(0.2)  # the evaluation loader's checks are submitted meanwhile
            order.append("train")
            return run()
        return judged

    def evaluation(obs, rec):
        run = real_eval(obs, rec)
        return lambda: (order.append("eval"), run())[1]

    from goodfit.watch import observer
    monkeypatch.setattr(observer, "training_data_checks", slow_training)
    monkeypatch.setattr(observer, "eval_data_checks", evaluation)
    model, opt, train, valid = _setup()
    with goodfit.watch(echo=None):
        _course_loop(model, opt, train, valid, epochs=1)
    assert order == ["train", "eval"]


def test_the_worker_leaves_the_scripts_random_numbers_alone():
    draws = []
    for watched in (False, True):
        model, opt, train, valid = _setup()
        with goodfit.watch(echo=None) if watched else contextlib.nullcontext():
            _course_loop(model, opt, train, valid, epochs=3)
            draws.append((torch.rand(3), sum(float(p.detach().sum()) for p in model.parameters())))
    assert torch.equal(draws[0][0], draws[1][0]) and draws[0][1] == draws[1][1]


def test_a_check_that_fails_on_the_worker_is_reported_and_the_script_goes_on(monkeypatch, capsys):
    def broken(ctx):
        raise ValueError("a bug in a check")

    monkeypatch.setattr(judge, "TRAINING_DATA", (broken, *judge.TRAINING_DATA))
    model, opt, train, valid = _setup()
    with goodfit.watch(echo=None) as watcher:
        _course_loop(model, opt, train, valid)
    err = capsys.readouterr().err
    assert "goodfit watch: a check failed (ValueError: a bug in a check); the script is not affected" in err
    assert "train-valid-overlap" in {f.id for f in watcher.findings}  # the evaluation loader's checks still ran


def test_goodfit_watch_stays_callable_once_its_modules_are_imported():
    import goodfit.watch.observer  # noqa: F401 - binds the package to goodfit.watch

    with goodfit.watch(echo=None) as watcher:
        pass
    assert watcher.findings == []
