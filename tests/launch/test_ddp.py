"""Data-parallel training (``train.nproc`` / ``--nproc``): sharding, rendezvous, the launcher, end to end.

The end-to-end tests start real gloo processes on the CPU. With float64 weights and a training set
that splits evenly, two processes reproduce one process's run (the gradients are averaged over the
same global batches), so those tests compare histories closely, not just final accuracies.
"""

import signal
import subprocess
import sys
import time

import pytest
import torch
import yaml
from helpers import GOODFIT, needs_mnist, run_cli

from goodfit import Config, apply_overrides, fit, load_model
from goodfit.errors import CheckError, ConfigError, LaunchError
from goodfit.launch.ddp import _wait, launch_fit, run_fit
from goodfit.run import RunDir
from goodfit.train.batching import LoaderBatches, MemoryBatches
from goodfit.train.callbacks import Callback
from goodfit.train.distributed import Rendezvous, first_host, outer_rendezvous, shard_bounds, unwrap

# digits: 1,280 training samples = 20 batches of 64, float64: 1 and 2 processes train the same steps
EXACT = ["data.name=digits", "data.train_subset=1280", "train.batch_size=64", "train.dtype=float64",
         "train.check=false", "model.hidden=32", "optim.lr=1e-2", "train.epochs=3"]


# --------------------------------------------------------------------------- sharding


@pytest.mark.parametrize("n,bs,world", [(100, 32, 2), (96, 32, 4), (65, 32, 2), (1295, 64, 2), (10, 4, 1),
                                        (9, 4, 1)])
def test_ranks_split_every_global_batch_into_equal_parts(n, bs, world):
    per_rank = [shard_bounds(n, bs, rank=r, world_size=world) for r in range(world)]
    steps = len(per_rank[0])
    assert all(len(b) == steps for b in per_rank)  # same number of steps: no rank waits for another
    for i in range(steps):
        parts = [b[i] for b in per_rank]
        assert len({stop - start for start, stop in parts}) == 1  # equal: averaged grads = one big batch
        assert all(parts[r][1] == parts[r + 1][0] for r in range(world - 1))  # contiguous, in rank order
        assert parts[0][0] == i * bs and parts[-1][1] <= min((i + 1) * bs, n)
    covered = sum(stop - start for b in per_rank for start, stop in b)
    assert n - covered < max(world, 2)  # at most a remainder smaller than the number of ranks is left out


def test_batch_size_must_split_over_ranks():
    with pytest.raises(ValueError, match="does not split evenly"):
        shard_bounds(100, 30, rank=0, world_size=4)


def test_two_ranks_together_see_the_single_process_batches():
    x, y = torch.arange(96.0).view(96, 1), torch.arange(96)
    alone = [yb for _, yb in MemoryBatches(x, y, batch_size=32, seed=3)]
    ranks = [[yb for _, yb in MemoryBatches(x, y, batch_size=32, seed=3, rank=r, world_size=2)]
             for r in (0, 1)]
    assert [torch.cat(pair).tolist() for pair in zip(*ranks, strict=True)] == [b.tolist() for b in alone]
    cpu = torch.device("cpu")
    alone = [yb for _, yb in LoaderBatches(x, y, batch_size=32, seed=3, device=cpu)]
    ranks = [[yb for _, yb in LoaderBatches(x, y, batch_size=32, seed=3, device=cpu, rank=r, world_size=2)]
             for r in (0, 1)]
    assert [torch.cat(pair).tolist() for pair in zip(*ranks, strict=True)] == [b.tolist() for b in alone]


def test_unwrap_gives_the_plain_model_and_compile_keeps_state_dict_keys():
    m = torch.nn.Linear(2, 2)
    assert unwrap(m) is m
    m.compile()  # what train.compile does: in place, compiled on the first forward (not run here)
    assert list(m.state_dict()) == ["weight", "bias"]


# --------------------------------------------------------------------------- rendezvous


def test_rendezvous_from_torchrun_and_srun_variables():
    torchrun = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "MASTER_ADDR": "n1", "MASTER_PORT": "1234"}
    assert outer_rendezvous(torchrun) == Rendezvous(3, 4, 1, "n1", 1234)
    srun = {"SLURM_STEP_NUM_TASKS": "4", "SLURM_PROCID": "2", "SLURM_LOCALID": "0", "SLURM_JOB_ID": "77",
            "SLURM_STEP_NODELIST": "node[07-08]", "SLURM_NTASKS": "4"}
    assert outer_rendezvous(srun) == Rendezvous(2, 4, 0, "node07", 20077)
    assert outer_rendezvous({**srun, "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "4000"}).master_port == 4000
    # an sbatch script itself (no srun step) and a one-task step train alone
    assert outer_rendezvous({"SLURM_NTASKS": "4", "SLURM_PROCID": "0", "SLURM_JOB_ID": "77"}) is None
    assert outer_rendezvous({**srun, "SLURM_STEP_NUM_TASKS": "1", "SLURM_PROCID": "0"}) is None
    assert outer_rendezvous({}) is None


def test_first_host_of_slurm_node_lists():
    assert first_host("gpu[003-010,12],cpu[1-2]") == "gpu003"
    assert first_host("node-a,node-b") == "node-a"
    assert first_host("n[1-4]-ib") == "n1-ib"


# --------------------------------------------------------------------------- user errors, failures


def test_nproc_and_batch_size_are_checked_with_the_config():
    with pytest.raises(ConfigError, match="train.nproc=0 is out of range: it must be in 1..1024"):
        apply_overrides(Config(), ["train.nproc=0"])
    with pytest.raises(ConfigError, match="train.batch_size=100 does not split evenly over train.nproc=3"):
        apply_overrides(Config(), ["train.nproc=3", "train.batch_size=100"])


def test_callbacks_cannot_reach_other_processes(tmp_path):
    cfg = apply_overrides(Config(), ["train.nproc=2", f"out_dir={tmp_path}"])
    with pytest.raises(ConfigError, match="callbacks"):
        launch_fit(cfg, callbacks=[Callback()])


def test_a_dying_rank_stops_the_others_with_one_clear_error(tmp_path):
    dies = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    waits = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    t0 = time.monotonic()
    with pytest.raises(LaunchError, match="rank 3 exited with status 3.*the other ranks were stopped"):
        _wait([dies, waits], tmp_path, first_rank=3)
    assert waits.poll() is not None and time.monotonic() - t0 < 30


def test_fit_trains_in_this_process_and_says_how_to_start_ranks(tmp_path):
    cfg = apply_overrides(Config(), ["data.name=digits", "train.nproc=2", f"out_dir={tmp_path}"])
    with pytest.raises(ConfigError, match=r"train.nproc=2 .*goodfit.launch_fit\(config\)"):
        fit(cfg, progress="quiet")
    assert not list(tmp_path.iterdir())


def test_cli_nproc_error_is_one_line():
    proc = run_cli("train", "--nproc", "0", check=False, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("error: Invalid value for '--nproc': ")
    assert proc.stderr.endswith(" (see 'goodfit train --help')\n") and proc.stderr.count("\n") == 1
    proc = run_cli("train", "train.nproc=0", check=False, timeout=120)
    assert proc.stderr == "error: train.nproc=0 is out of range: it must be in 1..1024 (1 trains in this process)\n"


def test_a_user_error_on_rank_0_alone_stops_the_waiting_rank(tmp_path, capfd):
    cfg = apply_overrides(Config(), ["data.name=digits", "train.nproc=2", "train.batch_size=4000",
                                     f"out_dir={tmp_path}"])
    t0 = time.monotonic()
    with pytest.raises(CheckError, match="pitfall lint: .*batch-larger-than-data"):  # the lint: rank 0 only
        launch_fit(cfg, progress="quiet")
    assert time.monotonic() - t0 < 90
    assert "Traceback" not in capfd.readouterr().err  # rank 1 was stopped before it saw rank 0 leave
    assert not list(tmp_path.iterdir())  # no run folder


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def one_thread():
    """In-process runs with one thread, as each rank has here: two threads on two busy cores wait on each
    other (a single-process MNIST run took 149 s instead of 9 s while other jobs ran)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _alone(tmp_path, *overrides):
    """The single-process run that the two-process runs must reproduce."""
    return fit(apply_overrides(Config(), [*EXACT, *overrides, f"out_dir={tmp_path}"]), progress="quiet",
               report=False)


def _assert_same_run(run_dir, alone):
    run = RunDir.open(run_dir)
    history, metrics = run.read_history(), run.read_json("metrics.json")
    assert metrics["status"] == "completed" and len(history) == len(alone.history)
    for a, b in zip(history, alone.history, strict=True):  # rank 0 logs each epoch, over all ranks
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-4)
        assert a["train_acc"] == pytest.approx(b["train_acc"], abs=1e-9)
        assert a["valid_loss"] == pytest.approx(b["valid_loss"], rel=1e-4)
    assert abs(metrics["test"]["accuracy"] - alone.metrics["test"]["accuracy"]) <= 0.005
    assert metrics["best_epoch"] == alone.metrics["best_epoch"]
    loaded = load_model(run_dir).model.state_dict()  # checkpoints hold the plain model's weights
    for name, w in alone.model.state_dict().items():
        assert torch.allclose(loaded[name].double(), w, atol=1e-5)


def test_cli_two_processes_train_like_one(tmp_path, one_thread):
    """``goodfit train --nproc 2``: rank 0 alone logs and writes the run; its history is one process's."""
    run = tmp_path / "ddp"
    cmd = [*GOODFIT, "train", "--nproc", "2", "--run-dir", str(run), "--progress", "lines", *EXACT]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("test accuracy") == 1 and f"run: {run}" in proc.stdout
    assert [line.split(" |")[0] for line in proc.stderr.splitlines()] == ["epoch 1", "epoch 2", "epoch 3"]
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["train"]["nproc"] == 2
    assert saved["meta"]["distributed"] == {"world_size": 2, "backend": "gloo"}
    assert (run / "report.html").is_file() and (run / "predictions.npz").is_file()
    _assert_same_run(run, _alone(tmp_path))


@pytest.mark.slow
def test_ctrl_c_saves_an_interrupted_run_that_resumes_on_two_processes(tmp_path, one_thread):
    run = tmp_path / "ddp"
    cmd = [*GOODFIT, "train", "--nproc", "2", "--run-dir", str(run), "--progress", "lines", *EXACT,
           "train.epochs=30"]  # ~3 s of epochs: the Ctrl-C after epoch 1 lands mid-run, even on a fast machine
    # a background job of a non-interactive shell (CI's nohup/&) starts with SIGINT ignored, and Python
    # then never raises KeyboardInterrupt: give the launcher the default disposition, as a terminal would
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in proc.stderr:
            if line.startswith("epoch 1 "):
                proc.send_signal(signal.SIGINT)  # as Ctrl-C would, to the launcher
                break
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "status: interrupted" in out and f"resume with --resume {run}" in err
    resumed = launch_fit(None, resume=run, progress="quiet", report=False)  # two processes again (its config)
    assert resumed.rank == 0 and resumed.status == "completed"
    _assert_same_run(run, _alone(tmp_path, "train.epochs=30"))


@pytest.mark.slow
@needs_mnist
def test_two_processes_reach_the_single_process_test_accuracy_on_mnist(tmp_path, one_thread):
    """The issue's target: 2-process gloo training on MNIST within 0.5 points of 1 process."""
    base = ["data.name=mnist", "train.epochs=3", "train.checkpoint=false", f"out_dir={tmp_path}"]
    accs, times = {}, {}
    for nproc in (1, 2):
        t0 = time.perf_counter()
        cfg = apply_overrides(Config(), [*base, f"train.nproc={nproc}"])
        result = run_fit(cfg, progress="quiet", report=False)
        accs[nproc], times[nproc] = result.metrics["test"]["accuracy"], time.perf_counter() - t0
    print(f"MNIST MLP 3 epochs: test accuracy 1 process {accs[1]:.4f} ({times[1]:.0f} s), "
          f"2 processes {accs[2]:.4f} ({times[2]:.0f} s)")
    assert accs[1] > 0.95 and abs(accs[2] - accs[1]) <= 0.005
