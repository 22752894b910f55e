"""The report's "key numbers": the trained model's test metrics beside the baselines it must beat,
for every task, and the verdicts a reader should take away.

Columns: the trained model, the task's no-skill baseline (the majority class, the training mean, the
noisy input itself...), the same model untrained, and chance. Rows come from ``metrics.json`` alone.

Examples:
    >>> m = {"task": "regression", "score": "r2", "test": {"r2": 0.5, "mae": 40.0, "rmse": 50.0, "loss": 0.5},
    ...      "baselines": {"mean": {"r2": -0.01, "mae": 60.0, "rmse": 70.0}, "chance_loss": 1.0,
    ...                    "untrained": {"r2": -0.2, "loss": 1.2}}}
    >>> [r["label"] for r in key_rows(m)["rows"]][:2], verdicts(m)[0]["css"]
    (['Test R²', 'Test MAE'], 'ok')
"""

from __future__ import annotations

import math
from typing import Any

from goodfit.i18n import N_, _
from goodfit.report.html import DASH, fmt_metric

__all__ = ["key_rows", "verdicts", "no_skill", "metric_label", "BASELINE_COLUMNS", "METRIC_NAMES"]

# what each task's no-skill baseline is called in the table's header: (title, subtitle), English; shown translated
BASELINE_COLUMNS = {
    "classification": (N_("Majority class"), N_("always the largest class")),
    "binary": (N_("No skill"), N_("majority class / training positive rate")),
    "regression": (N_("Training mean"), N_("always the mean target")),
    "reconstruction": (N_("Mean image"), N_("always the mean training input")),
    "denoising": (N_("Noisy input"), N_("no denoising at all")),
}
# the baseline's name inside a sentence ("beats the majority class baseline")
_BASELINE_IN_TEXT = {"classification": N_("majority class"), "binary": N_("no skill"),
                     "regression": N_("training mean"), "reconstruction": N_("mean image"),
                     "denoising": N_("noisy input")}
# English, as the CLI prints them; reports show them translated (metric_label)
METRIC_NAMES = {"accuracy": N_("accuracy"), "f1_macro": N_("macro F1"), "auroc": "AUROC",
                "ap": N_("average precision"), "f1_at_threshold": "F1", "r2": "R²", "mae": "MAE", "rmse": "RMSE",
                "psnr": "PSNR", "mse": "MSE", "loss": N_("loss")}


def metric_label(key: str) -> str:
    """A metric's name as a reader of the current language reads it (``f1_macro`` → ``macro F1``)."""
    return _(METRIC_NAMES[key]) if key in METRIC_NAMES else key


def key_rows(m: dict[str, Any]) -> dict[str, Any]:
    """``{"baseline": (title, subtitle), "rows": [...]}`` for ``metrics.json``'s dict ``m``; rows are empty
    when the run has no final metrics. Each row: label, model, baseline, untrained, chance (text)."""
    task = m.get("task", "classification")
    test, valid = m.get("test") or {}, m.get("valid") or {}
    title, subtitle = BASELINE_COLUMNS[task] if task in BASELINE_COLUMNS else (N_("Baseline"), "")
    out = {"baseline": (_(title), _(subtitle) if subtitle else ""), "rows": []}
    if not test and not valid:
        return out
    b = m.get("baselines") or {}
    untrained = b.get("untrained") or {}
    floor = no_skill(task, b)
    from goodfit.tasks import TASKS

    score = m.get("score", "accuracy")
    rows = []
    for key in TASKS.create(task).summary:
        label = _("Test {metric}").format(metric=metric_label(key))
        if key == "f1_at_threshold" and "threshold" in test:
            label += " " + _("(threshold {threshold:.2f}, chosen on validation)").format(threshold=test["threshold"])
        if key == "loss":
            label += f" ({m.get('loss_name') or _loss_name(task)})"
        rows.append({"label": label, "model": fmt_metric(key, test.get(key)),
                     "baseline": fmt_metric(key, floor.get(key)),
                     "untrained": fmt_metric(key, untrained.get(key)) if key in (score, "loss") else DASH,
                     "chance": _chance(task, key, m, b)})
    rows.append({"label": _("Validation {metric}").format(metric=metric_label(score)),
                 "model": fmt_metric(score, valid.get(score)), "baseline": DASH, "untrained": DASH, "chance": DASH})
    out["rows"] = rows
    return out


def no_skill(task: str, b: dict[str, Any]) -> dict[str, Any]:
    """The no-skill baseline's metrics (``metrics.json``'s ``baselines`` ``b``) of a run of ``task``."""
    name = {"classification": "majority", "binary": "majority", "regression": "mean",
            "reconstruction": "mean", "denoising": "identity"}.get(task, "majority")
    values = dict(b.get(name) or {})
    if task == "binary":  # a constant score: AUROC 0.5, AP = the positive rate, the prior's loss
        prior = b.get("prior") or {}
        values |= {"auroc": prior.get("auroc"), "ap": prior.get("positive_rate"), "loss": prior.get("loss")}
    elif task == "classification":
        values.pop("class", None)
    if task not in ("binary",) and "chance_loss" in b:
        values.setdefault("loss", b["chance_loss"])
    return values


def _chance(task: str, key: str, m: dict[str, Any], b: dict[str, Any]) -> str:
    n = len(m.get("classes") or [])
    if key == "loss":
        return fmt_metric(key, b.get("chance_loss"))
    if task == "classification" and key == "accuracy" and n:
        return fmt_metric(key, 1 / n)
    if task == "binary" and key == "auroc":
        return fmt_metric(key, 0.5)
    return DASH


def _loss_name(task: str) -> str:
    names = {"classification": N_("cross-entropy"), "binary": N_("binary cross-entropy")}
    return _(names[task]) if task in names else "MSE"


def verdicts(m: dict[str, Any]) -> list[dict[str, str]]:
    """Plain sentences: does the model beat its no-skill baseline, and was the untrained loss sane."""
    task, score = m.get("task", "classification"), m.get("score", "accuracy")
    b = m.get("baselines") or {}
    model, base = (m.get("test") or {}).get(score), no_skill(task, b).get(score)
    out = []
    if isinstance(model, (int, float)) and isinstance(base, (int, float)) and math.isfinite(model):
        title = _(_BASELINE_IN_TEXT[task]) if task in _BASELINE_IN_TEXT else _("the baseline")
        gain = _difference(score, model - base)
        if model > base:
            out.append({"css": "ok", "text": _(
                "The trained model beats the {baseline} baseline by {gain} on the test {metric}.").format(
                    baseline=title, gain=gain, metric=metric_label(score))})
        else:
            out.append({"css": "bad", "text": _(
                "The trained model does no better than the {baseline} baseline on the test {metric}: it has not "
                "learned anything useful yet.").format(baseline=title, metric=metric_label(score))})
    loss, chance = (b.get("untrained") or {}).get("loss"), b.get("chance_loss")
    if task == "classification" and isinstance(loss, (int, float)) and isinstance(chance, (int, float)) \
            and loss > 1.5 * chance:
        out.append({"css": "warn", "text": _(
            "Before training the loss was {loss:.3g}, well above the chance loss ln C = {chance:.3g}: the initial "
            "outputs are over-confident (check the output layer's initialisation and the input scaling).").format(
                loss=loss, chance=chance)})
    return out


def _difference(score: str, diff: float) -> str:
    from goodfit.report.html import is_fraction

    if is_fraction(score):
        return _("{points:.1f} percentage points").format(points=100 * diff)
    return f"{diff:.2f} dB" if score == "psnr" else f"{diff:.3g}"
