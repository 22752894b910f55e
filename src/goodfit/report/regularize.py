"""The report of ``goodfit regularize``: the comparison table and train-vs-valid curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goodfit.report.html import embed_png, render, write_html
from goodfit.report.study import curves_plot, fmt_mean_std

__all__ = ["write_regularize_report", "format_table"]


def format_table(table: list[dict[str, Any]]) -> list[list[str]]:
    """Rows of text: variant, train / valid / test accuracy, gap (mean ± std), and whether the
    variant beats ``none`` on valid accuracy by more than the larger of the two spreads."""
    base = next((r for r in table if r["variant"] == "none"), None)
    rows = []
    for r in table:
        verdict = ""
        if base is not None and r is not base:
            diff = r["valid_accuracy"]["mean"] - base["valid_accuracy"]["mean"]
            noise = max(r["valid_accuracy"]["std"], base["valid_accuracy"]["std"])
            verdict = f"{100 * diff:+.2f} pts" + (" (beyond noise)" if abs(diff) > noise else " (within noise)")
        rows.append([r["variant"], fmt_mean_std(r["train_accuracy"]), fmt_mean_std(r["valid_accuracy"]),
                     fmt_mean_std(r["test_accuracy"]), fmt_mean_std(r["gap"]), verdict])
    return rows


def write_regularize_report(study_dir: str | Path, table: list[dict[str, Any]],
                            runs: dict[str, list[dict[str, Any]]]) -> Path:
    study_dir = Path(study_dir)
    rows = format_table(table)
    loss_png = curves_plot({v: [m["history"] for m in members] for v, members in runs.items()}, key="loss")
    acc_png = curves_plot({v: [m["history"] for m in members] for v, members in runs.items()}, key="acc")
    run_rows = [[v, Path(m["run_dir"]).name, m["metrics"]["status"],
                 f"{m['metrics'].get('valid', {}).get('accuracy', float('nan')):.4f}"]
                for v, members in runs.items() for m in members]
    html = render(
        "study.html", title="Regularization compared", n_runs=len(run_rows),
        intro=["The same over-parameterized model trained with one regularizer at a time, each over several "
               "seeds. 'gap' is train minus valid accuracy (both in eval mode): regularization should shrink it. "
               "A variant helps only if it beats 'none' by more than the seed-to-seed spread."],
        notes=["'none' and every variant but 'early-stopping' are evaluated with their last weights; "
               "'early-stopping' stops on a valid-loss plateau and keeps its best epoch."],
        summary_headers=["variant", "train acc", "valid acc", "test acc (once per run)", "gap", "valid vs none"],
        summary_rows=rows, run_headers=["variant", "run", "status", "valid accuracy"], run_rows=run_rows,
        images=[("Loss per epoch (solid: valid, dashed: train), one colour per variant.", embed_png(loss_png)),
                ("Accuracy per epoch (solid: valid, dashed: train).", embed_png(acc_png))],
        config_yaml=(study_dir / "config.yaml").read_text() if (study_dir / "config.yaml").is_file() else "",
    )
    return write_html(study_dir / "report.html", html)
