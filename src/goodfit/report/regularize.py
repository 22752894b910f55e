"""The report of ``goodfit regularize``: the comparison table and train-vs-valid curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goodfit.i18n import _
from goodfit.report.html import embed_png, is_fraction, render, write_html
from goodfit.report.study import curves_plot, fmt_mean_std

__all__ = ["write_regularize_report", "format_table", "table_headers"]


def format_table(table: list[dict[str, Any]]) -> list[list[str]]:
    """Rows of text: variant, train / valid / test score, gap (mean ± std), and whether the variant
    beats ``none`` on the valid score by more than the larger of the two spreads."""
    base = next((r for r in table if r["variant"] == "none"), None)
    rows = []
    for r in table:
        pct = is_fraction(r.get("score", "accuracy"))
        verdict = ""
        if base is not None and r is not base:
            diff = r["valid"]["mean"] - base["valid"]["mean"]
            noise = max(r["valid"]["std"], base["valid"]["std"])
            shown = _("{points:+.2f} pts").format(points=100 * diff) if pct else f"{diff:+.4f}"
            verdict = shown + " " + (_("(beyond noise)") if abs(diff) > noise else _("(within noise)"))
        rows.append([r["variant"], *(fmt_mean_std(r[k], pct=pct) for k in ("train", "valid", "test", "gap")),
                     verdict])
    return rows


def table_headers(table: list[dict[str, Any]]) -> list[str]:
    """Column names of :func:`format_table`'s rows, naming the task's score (``valid acc``, ``valid r2``)."""
    short = {"accuracy": "acc"}.get(s := table[0].get("score", "accuracy") if table else "accuracy", s)
    return [_("variant"), _("train {metric}").format(metric=short), _("valid {metric}").format(metric=short),
            _("test {metric}").format(metric=short), _("gap"), _("valid vs none")]


def write_regularize_report(study_dir: str | Path, table: list[dict[str, Any]],
                            runs: dict[str, list[dict[str, Any]]]) -> Path:
    study_dir = Path(study_dir)
    rows = format_table(table)
    loss_png = curves_plot({v: [m["history"] for m in members] for v, members in runs.items()}, key="loss")
    score = table[0].get("score", "accuracy") if table else "accuracy"
    key = {"accuracy": "acc"}.get(score, score)  # the history column's suffix: valid_acc, valid_r2...
    score_png = curves_plot({v: [m["history"] for m in members] for v, members in runs.items()}, key=key)
    run_rows = [[v, Path(m["run_dir"]).name, m["metrics"]["status"],
                 f"{m['metrics'].get('valid', {}).get(score, float('nan')):.4f}"]
                for v, members in runs.items() for m in members]
    html = render(
        "study.html", title=_("Regularization compared"), n_runs=len(run_rows),
        intro=[_("The same over-parameterized model trained with one regularizer at a time, each over several seeds. "
                 "'gap' is train minus valid {metric} (both in eval mode): regularization should shrink it. A variant "
                 "helps only if it beats 'none' by more than the seed-to-seed spread.").format(metric=score)],
        notes=[_("'none' and every variant but 'early-stopping' are evaluated with their last weights; "
                 "'early-stopping' stops on a valid-loss plateau and keeps its best epoch.")],
        summary_headers=table_headers(table), summary_rows=rows,
        run_headers=[_("variant"), _("run"), _("status"), _("valid {metric}").format(metric=score)], run_rows=run_rows,
        images=[(_("Loss per epoch (solid: valid, dashed: train), one colour per variant."), embed_png(loss_png)),
                (_("{metric} per epoch (solid: valid, dashed: train).").format(metric=score), embed_png(score_png))],
        config_yaml=(study_dir / "config.yaml").read_text() if (study_dir / "config.yaml").is_file() else "",
    )
    return write_html(study_dir / "report.html", html)
