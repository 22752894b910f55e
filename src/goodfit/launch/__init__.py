"""Launchers: Slurm through submitit (:mod:`goodfit.launch.slurm`)."""

__all__: list[str] = []
