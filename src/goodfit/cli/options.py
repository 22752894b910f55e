"""Typer options that several ``goodfit`` commands share, defined once (one flag, one help text)."""

from __future__ import annotations

import typer

__all__ = [
    "ConfigFile",
    "DataRoot",
    "Dataset",
    "DryRun",
    "Model",
    "Overrides",
    "Progress",
    "Recipe",
    "RunDir",
    "SlurmCpus",
    "SlurmFolder",
    "SlurmGpus",
    "SlurmPartition",
    "SlurmTime",
]

ConfigFile = typer.Option(None, "--config", "-c", help="YAML config file (a run's config.yaml works).")
DataRoot = typer.Option(None, "--data-root", help="Folder with data sets (else $GOODFIT_DATA, else the user cache).")
Dataset = typer.Option(None, "--dataset", "-d", help="Shortcut for data.name.")
Recipe = typer.Option(None, "--recipe", "-r", help="A named recipe (goodfit list), e.g. cifar10; your options win.")
Model = typer.Option(None, "--model", "-m", help="Shortcut for model.name.")
Overrides = typer.Argument(None, help="Config overrides such as optim.lr=3e-3 model.hidden=128,64.")
Progress = typer.Option("auto", "--progress", help="auto (bar on a terminal), bar, lines or quiet.")
RunDir = typer.Option(None, "--run-dir", help="Exact run folder (must not exist).")

# Slurm (goodfit slurm train, goodfit search --launcher slurm)
SlurmPartition = typer.Option(None, "--partition", help="Slurm partition.")
SlurmTime = typer.Option(60, "--time", help="Slurm time limit per task, minutes (a training job requeues and resumes).")
SlurmCpus = typer.Option(1, "--cpus", help="Slurm CPUs per task.")
SlurmGpus = typer.Option(0, "--gpus", help="Slurm GPUs per task.")
SlurmFolder = typer.Option(None, "--slurm-folder", help="submitit folder for scripts and logs.")
DryRun = typer.Option(False, "--dry-run", help="Slurm: print the sbatch script and submit nothing.")

