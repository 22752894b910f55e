"""The callback that lets Optuna stop a bad trial early, from its validation curve."""

from __future__ import annotations

from typing import Any

from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["PruneOnValid"]


class PruneOnValid(Callback):
    """Report ``state.last[key]`` (default: the run's score, ``state.score_key``) to an Optuna trial each
    epoch; raise ``TrialPruned`` when told to.

    The exception leaves ``fit`` (the run folder keeps its history up to that epoch); Optuna's
    ``study.optimize`` records the trial as PRUNED.

    Examples:
        >>> import optuna
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> trial = optuna.create_study(direction="maximize").ask()
        >>> PruneOnValid(trial, key="valid_r2").key
        'valid_r2'
    """

    def __init__(self, trial: Any, key: str | None = None) -> None:
        self.trial = trial
        self.key = key

    def on_epoch_end(self, state: TrainState) -> None:
        import optuna

        key = self.key or state.score_key
        value = state.last.get(key)
        if value is None or value != value:  # missing, or NaN (e.g. AUROC of a one-class validation split)
            return
        self.trial.report(float(value), state.epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {state.epoch}: {key}={value:.4f}")
