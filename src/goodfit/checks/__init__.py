"""Guardrails: the pitfall lint (with a probe pass), the overfit-one-batch sanity check and the
learning-curve diagnosis; the training monitors are callbacks (:mod:`goodfit.train.callbacks.monitors`)
and ``goodfit watch`` runs the checks on a script of your own (:mod:`goodfit.watch`). Every kind of
finding is listed once in :data:`CATALOG`."""

from goodfit.checks.context import LintContext, infer_task
from goodfit.checks.diagnose import diagnose_curves
from goodfit.checks.lint import LINT_CHECKS, check, run_lint
from goodfit.checks.pipeline import lint_config, lint_run, sanity_config
from goodfit.checks.sanity import SanityResult, diagnose_sanity, overfit_one_batch
from goodfit.findings import CATALOG, CheckInfo, Finding, as_dicts, finding, summarize

__all__ = [
    "CATALOG",
    "CheckInfo",
    "Finding",
    "LINT_CHECKS",
    "LintContext",
    "SanityResult",
    "as_dicts",
    "check",
    "diagnose_curves",
    "diagnose_sanity",
    "infer_task",
    "finding",
    "lint_config",
    "lint_run",
    "overfit_one_batch",
    "run_lint",
    "sanity_config",
    "summarize",
]
