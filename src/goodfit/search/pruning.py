"""The callback that lets Optuna stop a bad trial early, from its validation curve."""

from __future__ import annotations

from typing import Any

from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["PruneOnValid"]


class PruneOnValid(Callback):
    """Report ``state.last[key]`` to an Optuna trial each epoch; raise ``TrialPruned`` when told to.

    The exception leaves ``fit`` (the run folder keeps its history up to that epoch); Optuna's
    ``study.optimize`` records the trial as PRUNED.

    Example:
        >>> import optuna
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> trial = optuna.create_study(direction="maximize").ask()
        >>> cb = PruneOnValid(trial)
        >>> cb.key
        'valid_acc'
    """

    def __init__(self, trial: Any, key: str = "valid_acc") -> None:
        self.trial = trial
        self.key = key

    def on_epoch_end(self, state: TrainState) -> None:
        import optuna

        value = state.last.get(self.key)
        if value is None:
            return
        self.trial.report(float(value), state.epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {state.epoch}: {self.key}={value:.4f}")
