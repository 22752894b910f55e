"""``GoodfitCallback``: goodfit's checks, monitors, curve diagnosis and run folder for Keras' ``model.fit``.

    model.fit(x_train, y_train, epochs=10, validation_split=0.1,
              callbacks=[GoodfitCallback(test_data=(x_test, y_test))])

Before the first batch it lints the set-up with the catalog of ``goodfit.check`` (the Keras pitfalls
included: :mod:`goodfit.checks.keras_rules`), reading ``fit``'s own arguments
(:mod:`goodfit.keras.fitcall`); an error stops ``fit`` there. While it trains, goodfit's monitors
watch gradients, activations and updates every 100 steps, and a NaN loss stops it. At the end it
diagnoses the learning curves, evaluates the test set once and writes a run folder as ``goodfit
train`` does (:mod:`goodfit.keras.record`), report included. What Keras computes does not change.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Literal

import numpy as np

from goodfit.checks.keras_rules import keras_context
from goodfit.checks.lint import run_lint
from goodfit.errors import CheckError, ConfigError
from goodfit.experiment.finish import save_findings, write_report_safely
from goodfit.findings import Finding, tally
from goodfit.i18n import _
from goodfit.keras import record
from goodfit.keras.fitcall import FitCall, read_fit_call
from goodfit.models.keras import KerasModule, import_keras
from goodfit.run import RunDir
from goodfit.train.evaluate import predict_logits

__all__ = ["GoodfitCallback"]

keras = import_keras()

ACCURACY_KEYS = ("accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy", "acc")
PROBE = 256  # training samples the monitors probe


class GoodfitCallback(keras.callbacks.Callback):
    """goodfit's guardrails and run folder for ``model.fit``, as ``goodfit train`` has them.

    Args:
        test_data: ``(x_test, y_test)``, evaluated once after training (metrics, baselines, the
            worst-predicted samples in the report); also checked against the validation data.
        out_dir: where the run folder ``<name>-<time>`` is made.
        name: the run folder's name.
        check: lint the set-up before the first batch.
        on_error: ``"stop"``: a lint error stops ``fit`` before its first step (:class:`CheckError`);
            ``"continue"``: it is printed and kept in ``findings.json``, and training goes on.
        monitors: goodfit's training monitors (gradients, activations, update ratios).
        report: write ``report.html`` at the end.
        classes: class names for the report (default ``0``..``C-1``).
        verbose: 1 prints each finding and where the run folder is; 0 prints nothing.

    After ``fit``: :attr:`findings` (lint, monitors, curve diagnosis), :attr:`run_dir`, :attr:`history`
    and :attr:`metrics`.
    """

    def __init__(self, *, test_data: Any = None, out_dir: str = "runs", name: str = "keras", check: bool = True,
                 on_error: Literal["stop", "continue"] = "stop", monitors: bool = True, report: bool = True,
                 classes: Sequence[str] | None = None, verbose: int = 1) -> None:
        super().__init__()
        if on_error not in ("stop", "continue"):
            raise ConfigError(f"on_error={on_error!r}: choose stop or continue")
        self.test_data, self.out_dir, self.name = test_data, out_dir, name
        self.check, self.on_error, self.use_monitors, self.report = check, on_error, monitors, report
        self.classes, self.verbose = list(classes) if classes is not None else None, verbose
        self.findings: list[Finding] = []
        self.run_dir = None
        self.history: list[dict[str, float]] = []
        self.metrics: dict[str, Any] | None = None

    # ------------------------------------------------------------------ Keras' events
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._t0 = time.perf_counter()
        self._call = read_fit_call(self.model) or FitCall()
        call = self._call
        ctx = keras_context(self.model, call.train, validation_data=call.validation_data,
                            validation_split=call.validation_split, split_used=call.split_used, shuffle=call.shuffle,
                            batch_size=call.batch_size, test_data=self.test_data, valid_names=call.valid_names)
        self.lint = run_lint(ctx) if self.check else []
        self.findings = list(self.lint)
        errors = [f for f in self.lint if f.severity == "error"]
        for f in self.lint:
            self._echo(f"goodfit: {f}")
        if errors and self.on_error == "stop":
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise CheckError(f"pitfall lint: {errors[0]}{more}. Fix it, or let fit go on with "
                             "GoodfitCallback(on_error='continue')")
        self._start(ctx)

    def _start(self, ctx: Any) -> None:
        """The splits, the task, the wrapped model, the run folder and the monitors."""
        loss = ctx.keras.loss
        self._module = KerasModule(self.model, outputs="probabilities" if loss and loss.from_logits is False
                                   else "logits")
        train = record.Split(*ctx.train) if ctx.train is not None else None
        out = self._module.keras_model.outputs[0].shape[-1] if getattr(self.model, "outputs", None) else None
        self.task = record.keras_task(loss, train, out)
        self.splits = {name: record.Split(xy[0], record.targets(self.task, xy[1])) if xy is not None else None
                       for name, xy in (("train", ctx.train), ("valid", ctx.valid), ("test", ctx.test))}
        if self.classes is None and self.task is not None and self.task.name in ("classification", "binary"):
            self.classes = [str(i) for i in range(getattr(self.task, "n_classes", 2))]
        self.run = RunDir.create(self.out_dir, self.name)
        self.run_dir = self.run.path
        record.write_config(self.run, record.describe(self.model, loss, self._call, name=self.name,
                                                      test=self.test_data is not None))
        if self.lint:  # as goodfit train: the lint's findings are kept from the start
            save_findings(self.run, self.lint, [], [], chance_loss=float("nan"), diverged=False, diagnose=False)
        self.untrained = copy.deepcopy(self._module.state_dict())
        self.history, self.status, self.message, self.metrics = [], "completed", None, None
        self.state = SimpleNamespace(model=self._module, step=0)
        self.monitors = self._monitors()
        for m in self.monitors:
            m.on_fit_start(self.state)

    def _monitors(self) -> list[Any]:
        train = self.splits["train"]
        if not self.use_monitors or train is None or self.task is None:
            return []
        from goodfit.train.callbacks.monitors import Monitors

        idx = np.random.default_rng(0).permutation(len(train))[:PROBE]
        return [Monitors(train.x[idx], train.y[idx], loss_fn=self.task.loss_fn)]

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_t0 = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.state.step += 1
        for m in self.monitors:
            m.on_batch_end(self.state, None)
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.status = "diverged"
            self.message = f"the loss became {float(loss)} at step {self.state.step}; lower the learning rate"
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        row: dict[str, float] = {"epoch": epoch + 1}
        if "loss" in logs:
            row["train_loss"] = float(logs["loss"])
        acc = next((logs[k] for k in ACCURACY_KEYS if k in logs), None)
        if acc is not None:
            row["train_acc"] = float(acc)
        valid = self.splits["valid"]
        if valid is not None and self.task is not None:  # as goodfit's loop: eval mode, the data loss alone
            row.update(self.task.valid_numbers(predict_logits(self._module, valid.x), valid.y))
        elif "val_loss" in logs:
            row["valid_loss"] = float(logs["val_loss"])
        lr = record.plain_number(getattr(self.model.optimizer, "learning_rate", None))
        if lr is not None:
            row["lr"] = lr
        row["time"] = time.perf_counter() - self._epoch_t0
        self.history.append(row)
        self.run.write_history(self.history)
        for m in self.monitors:
            m.on_epoch_end(self.state)

    def on_train_end(self, logs: dict | None = None) -> None:
        train_time = time.perf_counter() - self._t0
        for m in self.monitors:
            m.on_fit_end(self.state)
        epochs = len(self.history)
        stop = self.message if self.status == "diverged" else (
            f"completed {epochs} epochs" if self._call.epochs in (None, epochs)
            else f"stopped after epoch {epochs} of {self._call.epochs} (model.stop_training, e.g. EarlyStopping)")
        task = self.task
        self.findings = save_findings(self.run, self.lint, self.monitors, self.history, chance_loss=self._chance_loss(),
                                      underfit_fraction=task.underfit_fraction if task is not None else 0.5,
                                      diverged=self.status == "diverged")
        s = self.splits
        self.metrics = record.finish(self.run, task, self._module, train=s["train"], valid=s["valid"], test=s["test"],
                                     untrained=self.untrained, status=self.status, message=self.message,
                                     stop_reason=stop, epochs_run=epochs, train_time=train_time,
                                     classes=self.classes or [])
        record.save_model(self.run, self.model)
        if self.report:
            write_report_safely(self.run.path)
        self._echo(_("goodfit: run folder {path}: {tally}; open report.html there").format(
            path=self.run.path, tally=tally(self.findings)))

    # ------------------------------------------------------------------ helpers
    def _chance_loss(self) -> float:
        """The task's no-skill loss on the validation split (the test split without one), as goodfit train
        measures underfitting against it."""
        train, held = self.splits["train"], self.splits["valid"] or self.splits["test"]
        if self.task is None or train is None or held is None or not len(held):
            return float("nan")
        return float(self.task.baselines(train.y, held.x, held.y)["chance_loss"])

    def _echo(self, text: str) -> None:
        if self.verbose:
            print(text, file=sys.stderr, flush=True)
