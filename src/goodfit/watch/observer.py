"""The observer behind ``goodfit watch``: public torch hooks and two thin wrappers record what a
training script does, and the lint's rules judge it as it goes.

What is watched, and how:

- modules: torch's global forward hooks (``register_module_forward_pre_hook``) until the first
  optimizer step, to learn which module is the model and which loss it uses;
- losses: ``torch.nn.functional``'s loss functions (which the loss modules call too), wrapped for the
  first ``steps`` steps to record the model's outputs and the targets as the loss receives them;
  ``Tensor.backward``, wrapped for as long, records the value each step optimizes, whatever
  computed it (a hand-written loss too);
- the optimizer: torch's global step hooks (``register_optimizer_step_pre_hook`` / ``_post_hook``):
  the first step runs the model / optimizer / target checks and the probe pass; later steps are
  counted, and feed the training monitors at the steps they probe (100, 200, 400, ...:
  :mod:`goodfit.watch.monitoring`);
- the data: ``DataLoader.__iter__``, wrapped so each iteration is seen; a loader iterated while
  steps are taken is a training loader, one iterated without steps an evaluation loader. Their first
  iteration's samples (up to 60,000) are summarized for the data checks (row hashes for overlaps, NaN
  count, moments, the first rows, the targets: nothing the size of the inputs is kept), a few batches
  at a time after the script has used them (:meth:`~goodfit.watch.loaders.LoaderRecord.take`), and the names the script
  gives the loader, its data set or its tensors (``test_loader``, ``X_test``) are read from the
  calling frames (``inspect``), to tell a test split from a validation one.

Each hook and wrapper is removed as soon as its work is done (the module hooks and the pre-step hook
at the first step, the loss and backward wrappers after ``steps`` steps): what stays for the rest of
the script is the post-step hook and the ``DataLoader.__iter__`` wrapper.

Nothing the script computes changes: probes run on copies or in eval mode without autograd, with
the random streams of torch, NumPy and Python kept; the batches are handed on untouched. The checks of
the summarized data (NaN, order, scaling, labels, overlaps) run on a worker thread, so the script does
not wait for them: they read only frozen copies of the summaries, draw no random numbers and never
call the model (the labels are checked against the outputs of the first step's probe). That thread ends as soon as its
checks are done: a thread that once ran torch's parallel kernels and lives on keeps its OpenMP team,
and with more OpenMP threads than cores GNU OpenMP stops spin-waiting between parallel regions, which
made every later step of a small model up to twice as slow (bench/RESULTS.md, "A thread that stays").
"""

from __future__ import annotations

import inspect
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook
from torch.utils.data import DataLoader

from goodfit.checks.context import LintContext, keep_random_state
from goodfit.findings import Finding, explained, finding, settle
from goodfit.i18n import _
from goodfit.watch.judge import end_checks, eval_checks, eval_data_checks, first_step_checks, training_data_checks
from goodfit.watch.loaders import LoaderRecord, names_of

__all__ = ["Observer"]

LOSS_FUNCTIONS = ("cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                  "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss")
LOSS_MODULES = (nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.MSELoss, nn.L1Loss,
                nn.HuberLoss, nn.SmoothL1Loss)


class Observer:
    """Watches the PyTorch training that runs while it is active (``with Observer(): ...``).

    ``echo`` receives each finding as it is found (default: printed to stderr); ``steps`` is how many
    optimizer steps are followed closely (losses, gradients) before watching lightens.
    """

    def __init__(self, *, steps: int = 50, echo: Callable[[Finding], None] | None = None) -> None:
        self.steps_watched = steps
        self.echo = echo if echo is not None else _print
        self.found: dict[tuple[str, str | None], Finding] = {}
        self.step = 0
        self.model: nn.Module | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.loss_fn: Any = None
        self.losses: list[float] = []
        self.loaders: dict[int, LoaderRecord] = {}
        self.current_train: LoaderRecord | None = None
        self.roots: dict[int, nn.Module] = {}
        self.monitors: Any = None  # goodfit's training monitors (a MonitorFeed), set up at the first step
        self.started = time.time()
        self._depth = 0
        self._probing = False  # our own probes on the script's thread: not to be recorded
        self._worker: threading.Thread | None = None  # the latest data checks (see _in_background)
        self._lock = threading.Lock()
        self.first_outputs: Any = None  # the model's outputs on the first step's probe batch
        self._hooks: dict[str, Any] = {}  # torch's global hooks, by what they watch; each removed when done
        self._patched: dict[str, tuple[Any, Callable]] = {}  # wrapped functions: name -> (owner, original)
        self._monitor_due: float = 0  # the next step at which the monitors have work
        self._last_output: tuple[Any, Any] | None = None
        self._step_loss: dict[str, float] = {}  # this step's loss: from backward(), else from a loss function
        self._active = False

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Observer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        mod = torch.nn.modules.module
        self._hooks = {"pre_forward": mod.register_module_forward_pre_hook(self._pre_forward),
                       "forward": mod.register_module_forward_hook(self._post_forward),
                       "pre_step": register_optimizer_step_pre_hook(self._before_step),
                       "step": register_optimizer_step_post_hook(self._after_step)}
        for name in LOSS_FUNCTIONS:
            self._patch(F, name, self._loss_wrapper(getattr(F, name)))
        self._patch(DataLoader, "__iter__", self._iter_wrapper(DataLoader.__iter__))
        self._patch(torch.Tensor, "backward", self._backward_wrapper(torch.Tensor.backward))
        self._active = True

    def stop(self) -> list[Finding]:
        """Remove every hook and wrapper, wait for the data checks, then judge what only the end can tell."""
        if self._active:
            self._active = False
            self._unhook(*self._hooks)
            self._unpatch(*self._patched)
            if self._worker is not None:
                self._worker.join()  # it joined the ones before it
                self._worker = None
            self._safely(lambda: end_checks(self))
        return self.findings

    def _patch(self, owner: Any, name: str, wrapper: Callable) -> None:
        self._patched[name] = (owner, getattr(owner, name))
        setattr(owner, name, wrapper)

    def _unpatch(self, *names: str) -> None:
        """Put torch's own functions back; a reference the script took stays a wrapper that only passes calls on."""
        for name in names:
            owner, original = self._patched.pop(name)
            setattr(owner, name, original)

    def _unhook(self, *names: str) -> None:
        for name in [n for n in names if n in self._hooks]:
            self._hooks.pop(name).remove()

    @property
    def findings(self) -> list[Finding]:
        """What was found, without findings another one explains (:func:`goodfit.findings.settle`)."""
        return settle(self.found.values())

    def add(self, findings: list[Finding]) -> None:
        with self._lock:  # the script's thread and the data checks' worker both report
            for f in findings:
                key = (f.id, f.where)
                if key not in self.found and not explained(f, [*self.found.values(), *findings]):
                    self.found[key] = f
                    self.echo(f)

    @property
    def _busy(self) -> bool:
        """Our own work is running: a probe, or anything on the data checks' worker thread."""
        return self._probing or getattr(_WORKER, "checking", False)

    def _safely(self, judge: Callable[[], list[Finding]]) -> None:
        """Run checks on the script's thread, keeping its random streams."""
        self._probing = True
        try:
            with keep_random_state():
                self._report(judge)
        finally:
            self._probing = False

    def _in_background(self, judge: Callable[[], list[Finding]]) -> None:
        """Run checks on a thread of their own, after the ones submitted before them; only checks that
        read frozen summaries, draw no random numbers and never run the model belong here. The thread
        ends with its checks, and so does the OpenMP team torch gave it (see the module's docstring)."""
        before = self._worker

        def work() -> None:
            if before is not None:
                before.join()
            _WORKER.checking = True  # what the checks call (a loss function) is not the script's
            self._report(judge)

        self._worker = threading.Thread(target=work, name="goodfit-watch", daemon=True)
        self._worker.start()

    def _report(self, judge: Callable[[], list[Finding]]) -> None:
        """Add what ``judge`` finds; a bug in a check must never break the user's script."""
        try:
            self.add(judge())
        except Exception as exc:  # noqa: BLE001 - report it and let the script go on
            print(_("goodfit watch: a check failed ({error}: {message}); the script is not affected").format(
                error=type(exc).__name__, message=exc), file=sys.stderr)

    # ------------------------------------------------------------------ modules and losses
    def _pre_forward(self, module: nn.Module, args: tuple) -> None:
        if self._busy:
            return
        if self._depth == 0 and not isinstance(module, LOSS_MODULES) and any(True for _p in module.parameters()):
            self.roots[id(module)] = module
        if isinstance(module, LOSS_MODULES) and self.loss_fn is None:
            self.loss_fn = module
        self._depth += 1

    def _post_forward(self, module: nn.Module, args: tuple, output: Any) -> None:
        if not self._busy:
            self._depth = max(0, self._depth - 1)

    def _loss_wrapper(self, fn: Callable) -> Callable:
        def loss(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            value = fn(input, target, *args, **kwargs)
            if self._active and not self._busy and self.step < self.steps_watched:
                if self.loss_fn is None:
                    self.loss_fn = fn
                self._last_output = (input, target)
                if isinstance(value, torch.Tensor) and value.ndim == 0:
                    self._step_loss.setdefault("function", float(value.detach()))
            return value

        loss.__wrapped__ = fn  # type: ignore[attr-defined]
        return loss

    def _backward_wrapper(self, original: Callable) -> Callable:
        observer = self

        def backward(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if (observer._active and not observer._busy and observer.step < observer.steps_watched
                    and tensor.ndim == 0 and tensor.is_floating_point()):
                observer._step_loss.setdefault("backward", float(tensor.detach()))
            return original(tensor, *args, **kwargs)

        backward.__wrapped__ = original  # type: ignore[attr-defined]
        return backward

    def _record_loss(self) -> None:
        """The step's loss: what backward() was called on, else what a loss function returned."""
        v = self._step_loss.get("backward", self._step_loss.get("function"))
        self._step_loss = {}
        if v is None or self.step > self.steps_watched:
            return
        self.losses.append(v)
        if not math.isfinite(v):
            self.add([finding("nonfinite-loss", _("the loss is {value} at step {step}.").format(
                value=v, step=self.step), where="training")])

    # ------------------------------------------------------------------ optimizer steps
    def _before_step(self, optimizer: torch.optim.Optimizer, args: tuple, kwargs: dict) -> None:
        if self._busy or not self._active:
            return
        if self.step == 0 and self.optimizer is None:
            self.optimizer = optimizer
            self.model = _model_of(optimizer, self.roots)
            self._unhook("pre_forward", "forward")  # the model and its loss are known: lighter from here on
            self._safely(lambda: first_step_checks(self))

    def _after_step(self, optimizer: torch.optim.Optimizer, args: tuple, kwargs: dict) -> None:
        """After each of the script's steps; past the followed steps, all it does is count, and feed the
        monitors at the steps they have work (see :meth:`_monitor`)."""
        if optimizer is not self.optimizer or self._probing or not self._active:
            return  # another optimizer, or one of our own probes
        self.step += 1
        if self.step <= self.steps_watched:
            self._followed_step()
        if self.step >= self._monitor_due:
            self._monitor()

    def _followed_step(self) -> None:
        if self.step == 1:
            self._unhook("pre_step")  # not from inside itself: torch is iterating over the pre-step hooks then
        self._record_loss()
        if self.step == self.steps_watched:
            self._unpatch(*LOSS_FUNCTIONS, "backward")  # losses are followed no further: no cost per step
            if len(self.losses) >= 20:
                self._judge_loss_trend()

    def _monitor(self) -> None:
        """Let the monitors do this step's work (:class:`~goodfit.watch.monitoring.MonitorFeed`)."""
        if self.monitors is None:
            self._monitor_due = math.inf
            return
        self._probing = True
        try:
            self.monitors.feed(self.step)
        finally:
            self._probing = False
        self._monitor_due = self.monitors.due

    def _judge_loss_trend(self) -> None:
        first, last = sum(self.losses[:10]) / 10, sum(self.losses[-10:]) / 10
        if math.isfinite(first) and math.isfinite(last) and last > 1.5 * first:
            self.add([finding("loss-rising", _(
                "the training loss rose from {first:.3g} (first 10 steps) to {last:.3g} (steps {start}-{end})."
            ).format(first=first, last=last, start=self.step - 9, end=self.step), where="training")])

    # ------------------------------------------------------------------ data loaders
    def _iter_wrapper(self, original: Callable) -> Callable:
        observer = self

        def __iter__(loader: DataLoader) -> Iterator:
            inner = original(loader)
            if not observer._active or observer._busy:
                return inner
            if id(loader) not in observer.loaders:
                observer.loaders[id(loader)] = LoaderRecord(loader, names=names_of(loader, inspect.currentframe()))
            return observer._follow(loader, inner)

        return __iter__

    def _follow(self, loader: DataLoader, inner: Iterator) -> Iterator:
        rec = self.loaders.setdefault(id(loader), LoaderRecord(loader))
        rec.iterations += 1
        rec.steps_at_start = self.step
        capture = rec.iterations == 1
        first = True
        for batch in inner:
            if first:
                first = False
                rec.eval_states.append((self.model.training if self.model is not None else None,
                                        torch.is_grad_enabled(), self.step))
                if rec.iterations == 1 and self.current_train is None:
                    self.current_train = rec  # the first loader iterated: the training one until told otherwise
            if capture:
                capture = rec.take(batch)
            yield batch
        if self.step > rec.steps_at_start:
            rec.training = True
        if rec.iterations == 1:
            rec.flush()  # here, not on the worker: its torch kernels would start a thread team of their own
            if rec.training:
                self._in_background(training_data_checks(self, rec))
            else:
                self._safely(lambda: eval_checks(self, rec))
                self._in_background(eval_data_checks(self, rec))

    # ------------------------------------------------------------------ helpers for the judge
    def context(self, train: LoaderRecord | None) -> LintContext:
        """A lint context of what was seen: the model, the loss, the optimizer, a training loader's data."""
        opt = self.optimizer
        group = opt.param_groups[0] if opt is not None else {}
        loader = train.loader if train is not None else None
        return LintContext(
            model=self.model, loss_fn=_functional(self.loss_fn),
            train=train.arrays() if train is not None else None, train_loader=loader,
            summaries={"train": train.snapshot()} if train is not None else {},
            optim=opt, optimizer=type(opt).__name__.lower() if opt is not None else None,
            lr=_number(group.get("lr")), weight_decay=_number(group.get("weight_decay")),
            batch_size=getattr(loader, "batch_size", None), drop_last=getattr(loader, "drop_last", None),
            loss_inputs=_detached(self._last_output),
        )


_WORKER = threading.local()  # .checking is set on the data checks' worker threads


MODULE_OF = {"cross_entropy": nn.CrossEntropyLoss, "nll_loss": nn.NLLLoss, "binary_cross_entropy": nn.BCELoss,
             "binary_cross_entropy_with_logits": nn.BCEWithLogitsLoss, "mse_loss": nn.MSELoss, "l1_loss": nn.L1Loss,
             "huber_loss": nn.HuberLoss, "smooth_l1_loss": nn.SmoothL1Loss}


def _functional(fn: Any) -> Any:
    """The loss as the lint's rules know it: a functional loss becomes its module (the rules compare
    against torch's functions, which are wrapped while watching)."""
    name = getattr(fn, "__name__", None)
    return MODULE_OF[name]() if not isinstance(fn, nn.Module) and name in MODULE_OF else fn


def _model_of(optimizer: torch.optim.Optimizer, roots: dict[int, nn.Module]) -> nn.Module | None:
    """The module called from outside any other whose parameters the optimizer holds most of."""
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    best, best_share = None, 0.0
    for module in roots.values():
        params = [id(p) for p in module.parameters()]
        share = sum(p in held for p in params) / len(params) if params else 0.0
        if share > best_share:
            best, best_share = module, share
    return best if best_share > 0 else (next(iter(roots.values())) if len(roots) == 1 else None)


def _detached(pair: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
    if pair is None:
        return None
    return tuple(t.detach() if isinstance(t, torch.Tensor) else t for t in pair)  # type: ignore[return-value]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _print(f: Finding) -> None:
    print(f"goodfit watch: {f}", file=sys.stderr, flush=True)
