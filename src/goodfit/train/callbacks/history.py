"""``HistoryWriter``: the run folder's ``history.csv``, rewritten (atomically) at every epoch end."""

from __future__ import annotations

from goodfit.run import RunDir
from goodfit.train.callbacks.base import Callback, TrainState

__all__ = ["HistoryWriter"]


class HistoryWriter(Callback):
    """Rewrites ``history.csv`` at each epoch end, so a killed run still has its curves.

    Examples:
        >>> import tempfile
        >>> from types import SimpleNamespace
        >>> run = RunDir.create(tempfile.mkdtemp(), "doc")
        >>> HistoryWriter(run).on_epoch_end(SimpleNamespace(history=[{"epoch": 1, "train_loss": 0.5}]))
        >>> run.read_history()
        [{'epoch': 1, 'train_loss': 0.5}]
    """

    def __init__(self, run: RunDir) -> None:
        self.run = run

    def on_epoch_end(self, state: TrainState) -> None:
        self.run.write_history(state.history)
