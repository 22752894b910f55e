"""The report of a study (several runs of one config): mean ± std, a per-run table, curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goodfit.i18n import _
from goodfit.report.html import embed_png, fmt_num, is_fraction, render, write_html

__all__ = ["write_study_report", "fmt_mean_std", "curves_plot"]


def fmt_mean_std(stats: dict[str, float] | None, *, pct: bool = True) -> str:
    """``{'mean': 0.91, 'std': 0.012}`` → ``'91.00 ± 1.20 %'`` (``pct=False``: ``'0.9100 ± 0.0120'``).

    Examples:
        >>> fmt_mean_std({"mean": 0.91, "std": 0.012, "n": 3})
        '91.00 ± 1.20 %'
    """
    if not stats or stats.get("n", 0) == 0:
        return "—"
    if pct:
        return f"{100 * stats['mean']:.2f} ± {100 * stats['std']:.2f} %"
    return f"{stats['mean']:.4f} ± {stats['std']:.4f}"


def curves_plot(groups: dict[str, list[list[dict[str, Any]]]], *, key: str = "loss") -> bytes:
    """Train (dashed) vs valid (solid) ``key`` per epoch, one colour per group, one line per run."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.add_subplot()
    for i, (label, histories) in enumerate(groups.items()):
        color = f"C{i % 10}"
        for j, hist in enumerate(histories):
            epochs = [r["epoch"] for r in hist]
            ax.plot(epochs, [r.get(f"train_{key}") for r in hist], ls="--", color=color, lw=1, alpha=0.6)
            ax.plot(epochs, [r.get(f"valid_{key}") for r in hist], ls="-", color=color, lw=1.4,
                    label=label if j == 0 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{key} (solid: valid, dashed: train)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write_study_report(study_dir: str | Path, result: Any, *, title: str) -> Path:
    """Write ``report.html`` for a seeds / folds study (``result``: a ``StudyResult``)."""
    study_dir = Path(study_dir)
    summary_rows = [[name.replace("_", " "), fmt_mean_std(stats, pct=is_fraction(name)), stats["n"]]
                    for name, stats in result.summary.items()]
    score = result.runs[0]["metrics"].get("score", "accuracy") if result.runs else "accuracy"
    run_rows = []
    for label, run in zip(result.labels, result.runs):
        m = run["metrics"]
        run_rows.append([label, m["status"], fmt_num(m.get("valid", {}).get(score)),
                         fmt_num(m.get("test", {}).get(score)), m.get("best_epoch"),
                         Path(run["run_dir"]).name])
    png = curves_plot({"runs": [r["history"] for r in result.runs if r["history"]]})
    folds = "folds" in title
    html = render(
        "study.html", title=title, n_runs=len(result.runs),
        intro=[_("Each row below is a complete run of the same config; the summary is their mean ± sample standard "
                 "deviation. Differences between configs smaller than this spread are noise.")],
        notes=[_("k-fold: each fold validates on a different part of the training data, with scaling fitted on that "
                 "fold's training part. The test set was not evaluated.")] if folds else
              [_("Each seed's test score was evaluated once, at the end of its run.")],
        summary_headers=[_("metric"), _("mean ± std"), _("runs")], summary_rows=summary_rows,
        run_headers=[_("run"), _("status"), _("valid {metric}").format(metric=score),
                     _("test {metric}").format(metric=score), _("best epoch"), _("folder")], run_rows=run_rows,
        images=[(_("Loss per epoch of every run (solid: valid, dashed: train)."), embed_png(png))],
        config_yaml=(study_dir / "config.yaml").read_text() if (study_dir / "config.yaml").is_file() else "",
    )
    return write_html(study_dir / "report.html", html)
