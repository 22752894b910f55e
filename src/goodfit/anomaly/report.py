"""A protocol's self-contained ``report.html``: tables (mean ± std), ROC curves, extreme images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from goodfit.i18n import N_, _, ngettext
from goodfit.report.html import embed_png, render, write_html

__all__ = ["write_protocol_report", "REFERENCES", "TARGET_AUROC"]

# Published one-vs-rest MNIST mean AUROC over the 10 classes, in %, to put beside ours.
REFERENCES = {"Deep SVDD, one-class (Ruff et al., 2018, ICML)": 94.8}
REFERENCE_NOTE = N_("Ruff et al. train on the class-k training images and score the whole test set, as here, but "
                    "preprocess with global contrast normalization (L1) and per-class min-max scaling; our inputs are "
                    "pixels / 255.")
TARGET_AUROC = 0.95
TITLES = {"one-vs-rest": N_("One-vs-rest anomaly detection"),
          "out-of-distribution": N_("Out-of-distribution detection"),
          "contamination": N_("Anomaly detection with contaminated training data")}


def _pm(stat: dict[str, float], key: str = "std_seeds") -> str:
    return f"{stat['mean']:.4f} ± {stat[key]:.4f}"


def _pct(v: float) -> str:
    return f"{100 * v:.1f} %"


def write_protocol_report(folder: str | Path, results: dict[str, Any], extras: dict[str, Any]) -> Path:
    """Write ``folder/report.html`` for a protocol's ``results`` (and in-memory curves and images)."""
    folder = Path(folder)
    protocol = results["protocol"]
    tables = {"one-vs-rest": _ovr_tables, "out-of-distribution": _ood_tables,
              "contamination": _contamination_tables}[protocol](results)
    page = render("sections.html", title=f"{_(TITLES[protocol])}: {results['dataset']}",
                  subtitle=_("{methods} methods × {seeds} seeds; {seconds:.0f} s on {threads} CPU thread(s)").format(
                      methods=len(results["methods"]), seeds=len(results["seeds"]), seconds=results["wall_time_s"],
                      threads=results["threads"]),
                  boxes=_boxes(results), tables=tables, figures=_figures(results, extras), facts=_facts(results),
                  created=results["meta"].get("created"))
    return write_html(folder / "report.html", page)


def _boxes(results: dict[str, Any]) -> list[dict[str, str]]:
    boxes = [{"kind": "info", "text": _(
        "Scores: AUROC and average precision (anomaly = positive class). Operating point: the threshold that flags "
        "{share:.0%} of the normal validation images (no labelled anomaly is used to choose it); test precision and "
        "recall are measured there.").format(share=results["false_alarm_target"])}]
    if results["protocol"] == "one-vs-rest":
        best = max(results["summary"], key=lambda s: s["auroc"]["mean"])
        ok = best["auroc"]["mean"] >= TARGET_AUROC
        boxes.append({"kind": "ok" if ok else "warn",
                      "text": _("Best: {method} with mean AUROC {auroc:.4f} (target ≥ {target}); published Deep "
                                "SVDD: 0.948.").format(method=best["method"], auroc=best["auroc"]["mean"],
                                                       target=TARGET_AUROC) + " " + _(REFERENCE_NOTE)})
    if any("classifier:" in m for m in results["methods"]) and results["protocol"] != "out-of-distribution":
        boxes.append({"kind": "warn", "text": _(
            "classifier:RUN features come from a classifier trained with labels of every class, anomalies included: "
            "a supervised reference, not a one-class result.")})
    return boxes


def _ovr_tables(results: dict[str, Any]) -> list[dict[str, Any]]:
    header = [_("method"), _("mean AUROC"), _("± classes"), _("± seeds"), _("mean AP"), _("precision"), _("recall"),
              _("false alarms"), _("time (s)")]
    rows = [[s["method"], f"{s['auroc']['mean']:.4f}", f"{s['auroc']['std_tasks']:.4f}",
             f"{s['auroc']['std_seeds']:.4f}", f"{s['ap']['mean']:.4f}", _pct(s["test_precision"]["mean"]),
             _pct(s["test_recall"]["mean"]), _pct(s["test_false_alarm_rate"]["mean"]), f"{s['time_s']:.0f}"]
            for s in sorted(results["summary"], key=lambda s: -s["auroc"]["mean"])]
    rows += [[name, f"{v / 100:.3f}", "—", "—", "—", "—", "—", "—", "—"] for name, v in REFERENCES.items()]
    tasks = list(results["summary"][0]["per_task"])
    per_class = [[s["method"], *(f"{s['per_task'][t]['auroc']:.3f}" for t in tasks)] for s in results["summary"]]
    n = len(results["seeds"])
    return [
        {"title": _("Detectors × feature spaces"), "header": header, "rows": rows,
         "note": _("mean over {classes} classes × {seeds} seeds; ± classes: std of the per-class means; ± seeds: std "
                   "of the per-seed means; precision / recall / false alarms on the test set at the validation "
                   "threshold; time: fit + score summed over all tasks, feature fitting included").format(
                       classes=len(tasks), seeds=n)},
        {"title": _("AUROC per normal class"), "header": [_("method"), *tasks], "rows": per_class,
         "note": ngettext("mean over {n} seed(s)", "mean over {n} seed(s)", n).format(n=n)},
    ]


def _ood_tables(results: dict[str, Any]) -> list[dict[str, Any]]:
    header = [_("method"), _("anomalies"), _("AUROC (± seeds)"), "AP", _("precision"), _("recall"), _("false alarms"),
              _("time (s)")]
    rows = [[s["method"], s["task"], _pm(s["auroc"]), f"{s['ap']['mean']:.4f}", _pct(s["test_precision"]["mean"]),
             _pct(s["test_recall"]["mean"]), _pct(s["test_false_alarm_rate"]["mean"]), f"{s['time_s']:.0f}"]
            for s in results["summary"]]
    return [{"title": _("Detectors × anomaly kinds"), "header": header, "rows": rows,
             "note": _("mean ± std over {seeds} seeds; normals and anomalies are balanced; time: a detector is fitted "
                       "once per seed and shared by the anomaly kinds (counted in the first)").format(
                           seeds=len(results["seeds"]))}]


def _contamination_tables(results: dict[str, Any]) -> list[dict[str, Any]]:
    fractions = [f"{f:g}" for f in results["fractions"]]
    rows = []
    for method in results["methods"]:
        by = {s["group"]: s for s in results["summary"] if s["method"] == method}
        rows.append([method, *(_pm(by[f]["auroc"]) if f in by else "—" for f in fractions)])
    return [{"title": _("Mean AUROC over classes by training contamination"), "header":
             [_("method"), *(f"c = {f}" for f in fractions)], "rows": rows,
             "note": _("± std of the per-seed means over {seeds} seeds").format(seeds=len(results["seeds"]))}]


def _figures(results: dict[str, Any], extras: dict[str, Any]) -> list[dict[str, str]]:
    from goodfit.anomaly.plots import contamination_plot, extremes_plot, roc_plot

    figs = []
    rows = [r for r in extras.get("rows", []) if "_roc" in r]
    if results["protocol"] == "contamination":
        figs.append({"title": _("AUROC against contamination"),
                     "uri": embed_png(contamination_plot(results["summary"])),
                     "caption": _("mean over classes; error bars: std over seeds")})
    for task in dict.fromkeys(r["task"] for r in rows) if results["protocol"] == "out-of-distribution" else [None]:
        chosen = [r for r in rows if task is None or r["task"] == task]
        curves = {m: np.mean([r["_roc"] for r in chosen if r["method"] == m], axis=0)
                  for m in results["methods"] if any(r["method"] == m for r in chosen)}
        if curves:
            title = (_("ROC curves, anomalies: {task}").format(task=task) if task else
                     _("ROC curves, averaged over the normal classes (vertical averaging)"))
            figs.append({"title": title, "uri": embed_png(roc_plot(curves)),
                         "caption": _("seed {seed}").format(seed=results["seeds"][0])})
    show = extras.get("show_task")
    for r in rows:
        if r["task"] == show:
            png = extremes_plot(r["_most"], r["_least"], results["image_shape"], title=f"{r['method']} — {show}")
            figs.append({"title": _("Most and least anomalous test images: {method}").format(method=r["method"]),
                         "uri": embed_png(png), "caption": _("{task}, seed {seed}; {n} each").format(
                             task=show, seed=r["seed"], n=len(r["_most"]))})
    return figs


def _facts(results: dict[str, Any]) -> list[tuple[str, str]]:
    return [(_("data"), results["dataset"]), (_("split"), results["split"]),
            (_("seeds"), ", ".join(map(str, results["seeds"]))), (_("methods"), "; ".join(results["methods"])),
            (_("wall time"), f"{results['wall_time_s']:.1f} s"), (_("CPU threads (torch)"), str(results["threads"])),
            (_("AUROC cross-check"), _("max |ours − sklearn.metrics.roc_auc_score| = {difference:.2e}").format(
                difference=results["max_auroc_difference_vs_sklearn"])),
            (_("versions"), ", ".join(f"{k} {v}" for k, v in results["meta"]["versions"].items() if v))]
