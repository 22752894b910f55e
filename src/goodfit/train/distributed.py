"""Data parallelism from inside one process: where it stands among the others
(:func:`outer_rendezvous`), joining and leaving the process group (:func:`join`, :func:`leave`), its
:class:`Rank`, the model wrapper, and the few collectives the training loop needs.

:mod:`goodfit.launch.ddp` (or torchrun, or ``srun``) starts the processes; this module is what each
of them uses. Every rank holds the same weights (DistributedDataParallel averages the
gradients), trains on its own part of every global batch (:func:`shard_bounds`), and sums its
epoch totals with the others. Rank 0 alone validates, runs the callbacks and decides when to
stop; :meth:`Rank.share_stop` hands that decision to every rank, so they all stop together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

if TYPE_CHECKING:  # the callbacks import unwrap from here
    from goodfit.train.callbacks.base import TrainState

from goodfit.errors import ConfigError

__all__ = ["Rank", "Rendezvous", "env_rank", "first_host", "is_worker", "join", "leave", "outer_rendezvous",
           "shard_bounds", "unwrap"]

WORKER_FLAG = "GOODFIT_DDP_WORKER"  # set in the processes a launcher starts: they train, not launch
_OWNED_GROUP = False  # join() created the process group, so leave() destroys it


@dataclass(frozen=True)
class Rank:
    """This process's place in a joined process group (``torch.distributed`` is initialized)."""

    rank: int
    world_size: int
    local_rank: int  # index among the ranks on this machine: picks the GPU
    backend: str  # gloo (CPU) or nccl (CUDA)

    @property
    def is_main(self) -> bool:
        """Rank 0 logs, validates, checkpoints, tests and writes the run folder."""
        return self.rank == 0

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        """``DistributedDataParallel``: broadcasts rank 0's weights now, averages gradients in backward."""
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def sum(self, values: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``values`` over all ranks (a new tensor; every rank gets it)."""
        total = values.detach().clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` (any picklable value), on every rank."""
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def share_stop(self, state: TrainState) -> None:
        """Every rank takes rank 0's stop decision (early stopping, a target, a callback)."""
        state.should_stop, state.stop_reason = self.broadcast((state.should_stop, state.stop_reason))


@dataclass(frozen=True)
class Rendezvous:
    """A process's place among the processes a launcher started, and where rank 0 listens."""

    rank: int
    world_size: int
    local_rank: int
    master_addr: str
    master_port: int


def outer_rendezvous(environ: Mapping[str, str] | None = None) -> Rendezvous | None:
    """This process's rank from torchrun-style variables or an ``srun`` step's; None when it is alone.

    ``MASTER_ADDR`` / ``MASTER_PORT`` win when set; under Slurm the master defaults to the first host
    of the step's node list and the port to 20000 + job id mod 20000 (the same on every node). The
    batch script itself (no ``srun``) is not a step: it trains alone.

    Examples:
        >>> env = {"SLURM_STEP_NUM_TASKS": "8", "SLURM_PROCID": "5", "SLURM_LOCALID": "1",
        ...        "SLURM_STEP_NODELIST": "gpu[03-06]", "SLURM_JOB_ID": "4242"}
        >>> outer_rendezvous(env)
        Rendezvous(rank=5, world_size=8, local_rank=1, master_addr='gpu03', master_port=24242)
    """
    env = os.environ if environ is None else environ
    if "RANK" in env and "WORLD_SIZE" in env:  # torchrun, or launch_fit
        here = Rendezvous(int(env["RANK"]), int(env["WORLD_SIZE"]), int(env.get("LOCAL_RANK", "0")),
                          env.get("MASTER_ADDR", "127.0.0.1"), int(env.get("MASTER_PORT", "29500")))
    elif "SLURM_STEP_NUM_TASKS" in env:  # one task of an srun step
        nodes = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST") or "127.0.0.1"
        port = env.get("MASTER_PORT") or 20000 + int(env.get("SLURM_JOB_ID", "0")) % 20000
        addr = env.get("MASTER_ADDR") or first_host(nodes)
        here = Rendezvous(int(env["SLURM_PROCID"]), int(env["SLURM_STEP_NUM_TASKS"]),
                          int(env.get("SLURM_LOCALID", "0")), addr, int(port))
    else:
        return None
    return here if here.world_size > 1 else None


def first_host(nodelist: str) -> str:
    """The first host of a Slurm node list.

    Examples:
        >>> first_host("gpu[03-06,9],cpu1"), first_host("vm"), first_host("a1,a2")
        ('gpu03', 'vm', 'a1')
    """
    prefix, ranges, suffix = re.match(r"([^,\[]*)(?:\[([^\]]*)\])?([^,]*)", nodelist).groups()
    return prefix + (re.split(r"[-,]", ranges)[0] if ranges else "") + suffix


def is_worker() -> bool:
    """True in a process that :func:`goodfit.launch.ddp.launch_fit` started to train one rank."""
    return os.environ.get(WORKER_FLAG) == "1"


def env_rank() -> int:
    """This process's rank as the environment tells it (0 when alone): rank 0 owns the run folder."""
    here = outer_rendezvous()
    return here.rank if here else 0


def join(device: torch.device) -> tuple[Rank, torch.device] | None:
    """Join the process group this process was started for, and pick its device; None when alone.

    gloo on the CPU; nccl on CUDA, one GPU per process (``LOCAL_RANK``).
    """
    global _OWNED_GROUP
    here = outer_rendezvous()
    if here is None:
        return None
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"data-parallel training runs on cpu or cuda, not {device.type}; set train.device")
    if device.type == "cuda":  # one GPU per rank: all of the node's GPUs visible, or Slurm's one per task
        device = torch.device("cuda", here.local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        os.environ.setdefault("MASTER_ADDR", here.master_addr)
        os.environ.setdefault("MASTER_PORT", str(here.master_port))
        if "OMP_NUM_THREADS" not in os.environ and "SLURM_CPUS_PER_TASK" in os.environ:
            torch.set_num_threads(int(os.environ["SLURM_CPUS_PER_TASK"]))
        dist.init_process_group(backend, init_method="env://", rank=here.rank, world_size=here.world_size)
        _OWNED_GROUP = True
    return Rank(dist.get_rank(), dist.get_world_size(), here.local_rank, dist.get_backend()), device


def leave(rank: Rank | None) -> None:
    """Destroy the process group if :func:`join` created it."""
    global _OWNED_GROUP
    if rank is not None and _OWNED_GROUP:
        dist.destroy_process_group()
        _OWNED_GROUP = False


def shard_bounds(n: int, batch_size: int, *, rank: int = 0, world_size: int = 1) -> list[tuple[int, int]]:
    """The ``[start, stop)`` positions of an epoch's permutation that ``rank`` trains on, one per step.

    Each global batch of ``batch_size`` is cut into ``world_size`` equal parts and rank ``r`` takes part
    ``r``, so every rank runs the same number of steps and, with gradients averaged, a step equals one
    single-process step on the whole batch. A last short batch is cut the same way (its remainder of
    fewer than ``world_size`` samples waits for the next epoch's shuffle); a last batch of one sample
    is dropped (it would break batch norm and adds noise).

    Examples:
        >>> shard_bounds(10, 4)
        [(0, 4), (4, 8), (8, 10)]
        >>> shard_bounds(10, 4, rank=1, world_size=2)
        [(2, 4), (6, 8), (9, 10)]
    """
    if batch_size % world_size:
        raise ValueError(f"batch_size {batch_size} does not split evenly over {world_size} ranks")
    bounds = []
    for start in range(0, n, batch_size):
        part = (min(start + batch_size, n) - start) // world_size
        if part and (n - start > 1 or start == 0):
            bounds.append((start + rank * part, start + (rank + 1) * part))
    return bounds


def unwrap(model: nn.Module) -> nn.Module:
    """The plain model inside a ``DistributedDataParallel`` wrapper (whose ``state_dict`` keys carry a
    ``module.`` prefix); checkpoints store the plain model's, so ``load_model`` and ``predict`` work
    whatever trained it. (``train.compile`` compiles the model in place: no wrapper.)

    Examples:
        >>> m = nn.Linear(2, 2)
        >>> unwrap(m) is m
        True
    """
    while isinstance(model, DistributedDataParallel):
        model = model.module
    return model
