"""Guardrails: the pitfall lint (with a probe pass), the overfit-one-batch sanity check and the
learning-curve diagnosis; the training monitors are callbacks (:mod:`goodfit.train.callbacks.monitors`)
and ``goodfit watch`` runs the checks on a script of your own (:mod:`goodfit.watch`). Every kind of
finding is listed once in :data:`CATALOG`. Names load on first use (:mod:`goodfit.lazy`)."""

from typing import TYPE_CHECKING

from goodfit.lazy import lazy_exports

__all__ = [
    "as_dicts",
    "CATALOG",
    "check",
    "CheckInfo",
    "diagnose_curves",
    "diagnose_sanity",
    "Finding",
    "finding",
    "infer_task",
    "LINT_CHECKS",
    "lint_config",
    "lint_run",
    "LintContext",
    "overfit_one_batch",
    "run_lint",
    "sanity_config",
    "SanityResult",
    "summarize",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "goodfit.checks.context": ("LintContext", "infer_task"),
    "goodfit.checks.diagnose": ("diagnose_curves",),
    "goodfit.checks.lint": ("LINT_CHECKS", "check", "run_lint"),
    "goodfit.checks.pipeline": ("lint_config", "lint_run", "sanity_config"),
    "goodfit.checks.sanity": ("SanityResult", "diagnose_sanity", "overfit_one_batch"),
    "goodfit.findings": ("CATALOG", "CheckInfo", "Finding", "as_dicts", "finding", "summarize"),
})

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from goodfit.checks.context import LintContext, infer_task  # noqa: F401
    from goodfit.checks.diagnose import diagnose_curves  # noqa: F401
    from goodfit.checks.lint import LINT_CHECKS, check, run_lint  # noqa: F401
    from goodfit.checks.pipeline import lint_config, lint_run, sanity_config  # noqa: F401
    from goodfit.checks.sanity import SanityResult, diagnose_sanity, overfit_one_batch  # noqa: F401
    from goodfit.findings import CATALOG, CheckInfo, Finding, as_dicts, finding, summarize  # noqa: F401
