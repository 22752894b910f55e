"""Launchers: Slurm through submitit (:mod:`goodfit.launch.slurm`), data-parallel processes
(:mod:`goodfit.launch.ddp`: ``--nproc``, torchrun, ``srun``)."""

__all__: list[str] = []
