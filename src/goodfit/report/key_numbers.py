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

from goodfit.report.html import DASH, fmt_metric

__all__ = ["key_rows", "verdicts", "no_skill", "BASELINE_COLUMNS", "METRIC_NAMES"]

# what each task's no-skill baseline is called in the table's header: (title, subtitle)
BASELINE_COLUMNS = {
    "classification": ("Majority class", "always the largest class"),
    "binary": ("No skill", "majority class / training positive rate"),
    "regression": ("Training mean", "always the mean target"),
    "reconstruction": ("Mean image", "always the mean training input"),
    "denoising": ("Noisy input", "no denoising at all"),
}
METRIC_NAMES = {"accuracy": "accuracy", "f1_macro": "macro F1", "auroc": "AUROC", "ap": "average precision",
                "f1_at_threshold": "F1", "r2": "R²", "mae": "MAE", "rmse": "RMSE", "psnr": "PSNR", "mse": "MSE",
                "loss": "loss"}


def key_rows(m: dict[str, Any]) -> dict[str, Any]:
    """``{"baseline": (title, subtitle), "rows": [...]}`` for ``metrics.json``'s dict ``m``; rows are empty
    when the run has no final metrics. Each row: label, model, baseline, untrained, chance (text)."""
    task = m.get("task", "classification")
    test, valid = m.get("test") or {}, m.get("valid") or {}
    out = {"baseline": BASELINE_COLUMNS.get(task, ("Baseline", "")), "rows": []}
    if not test and not valid:
        return out
    b = m.get("baselines") or {}
    untrained = b.get("untrained") or {}
    floor = no_skill(task, b)
    from goodfit.tasks import TASKS

    score = m.get("score", "accuracy")
    rows = []
    for key in TASKS.create(task).summary:
        label = f"Test {METRIC_NAMES.get(key, key)}"
        if key == "f1_at_threshold" and "threshold" in test:
            label += f" (threshold {test['threshold']:.2f}, chosen on validation)"
        if key == "loss":
            label += f" ({m.get('loss_name') or _loss_name(task)})"
        rows.append({"label": label, "model": fmt_metric(key, test.get(key)),
                     "baseline": fmt_metric(key, floor.get(key)),
                     "untrained": fmt_metric(key, untrained.get(key)) if key in (score, "loss") else DASH,
                     "chance": _chance(task, key, m, b)})
    rows.append({"label": f"Validation {METRIC_NAMES.get(score, score)}", "model": fmt_metric(score, valid.get(score)),
                 "baseline": DASH, "untrained": DASH, "chance": DASH})
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
    return {"classification": "cross-entropy", "binary": "binary cross-entropy"}.get(task, "MSE")


def verdicts(m: dict[str, Any]) -> list[dict[str, str]]:
    """Plain sentences: does the model beat its no-skill baseline, and was the untrained loss sane."""
    task, score = m.get("task", "classification"), m.get("score", "accuracy")
    b = m.get("baselines") or {}
    model, base = (m.get("test") or {}).get(score), no_skill(task, b).get(score)
    out = []
    if isinstance(model, (int, float)) and isinstance(base, (int, float)) and math.isfinite(model):
        title = BASELINE_COLUMNS.get(task, ("the baseline", ""))[0].lower()
        gain = _difference(score, model - base)
        if model > base:
            out.append({"css": "ok", "text": f"The trained model beats the {title} baseline by {gain} on the test "
                        f"{METRIC_NAMES.get(score, score)}."})
        else:
            out.append({"css": "bad", "text": f"The trained model does no better than the {title} baseline on the "
                        f"test {METRIC_NAMES.get(score, score)}: it has not learned anything useful yet."})
    loss, chance = (b.get("untrained") or {}).get("loss"), b.get("chance_loss")
    if task == "classification" and isinstance(loss, (int, float)) and isinstance(chance, (int, float)) \
            and loss > 1.5 * chance:
        out.append({"css": "warn", "text": f"Before training the loss was {loss:.3g}, well above the chance "
                    f"loss ln C = {chance:.3g}: the initial outputs are over-confident (check the output "
                    "layer's initialisation and the input scaling)."})
    return out


def _difference(score: str, diff: float) -> str:
    from goodfit.report.html import is_fraction

    if is_fraction(score):
        return f"{100 * diff:.1f} percentage points"
    return f"{diff:.2f} dB" if score == "psnr" else f"{diff:.3g}"
