"""Guardrails: the pitfall lint, the overfit-one-batch sanity check, training monitors and the
learning-curve diagnosis. Every kind of finding is listed once in :data:`CATALOG`."""

from goodfit.checks.diagnose import diagnose_curves
from goodfit.checks.lint import LINT_CHECKS, check, run_lint
from goodfit.checks.pipeline import lint_config, lint_run, sanity_config
from goodfit.checks.probe import LintContext
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
    "finding",
    "lint_config",
    "lint_run",
    "overfit_one_batch",
    "run_lint",
    "sanity_config",
    "summarize",
]
