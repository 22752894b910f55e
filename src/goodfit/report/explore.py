"""The exploration page: a data set's facts, class counts and sample images on one offline page.

Examples:
    >>> import tempfile
    >>> r = explore("digits", out_dir=tempfile.mkdtemp())
    >>> r.html.name, r.samples_png.name, sum(r.train_counts)
    ('explore.html', 'samples.png', 1438)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from goodfit.data.base import Dataset
from goodfit.data.explore import ExploreResult, explore_dataset, fmt_share
from goodfit.i18n import _
from goodfit.report import plots
from goodfit.report.html import embed_png, render, write_html
from goodfit.report.task_plots import target_features_plot
from goodfit.run import atomic_write_bytes

__all__ = ["explore", "write_explore_page"]


def explore(name: str, *, root: str | None = None, out_dir: str | Path | None = None,
            download: bool = True) -> ExploreResult:
    """Explore the data set ``name`` (:func:`goodfit.data.explore.explore`); with ``out_dir``, also
    write ``samples.png`` and ``explore.html`` there."""
    from goodfit.data import load_dataset

    ds = load_dataset(name, root=root, download=download)
    result = explore_dataset(ds)
    if out_dir is not None:
        write_explore_page(result, ds, out_dir)
    return result


def write_explore_page(r: ExploreResult, ds: Dataset, out_dir: str | Path) -> None:
    """``samples.png`` and the self-contained ``explore.html`` of an exploration, into ``out_dir``
    (their paths are set on ``r``)."""
    out_dir = Path(out_dir)
    if ds.task == "regression":
        png = target_features_plot(ds.x_train, ds.y_train, name=(ds.target_names or ("target",))[0])
    elif ds.kind == "image" and ds.x_train.ndim == 4:
        png = plots.samples_grid(ds.x_train, ds.y_train, ds.classes)
    else:
        png = plots.table_features_plot(ds.x_train, ds.y_train, ds.classes)
    r.samples_png = out_dir / "samples.png"
    atomic_write_bytes(r.samples_png, png)
    r.html = out_dir / "explore.html"
    write_html(r.html, render("explore.html", **_page_context(r, embed_png(png))))


def _page_context(r: ExploreResult, samples_uri: str) -> dict[str, Any]:
    top = max(max(r.train_counts, default=0), 1)
    counts = [{"name": c, "train": tr, "test": te, "bar": round(120 * tr / top)}
              for c, tr, te in zip(r.classes, r.train_counts, r.test_counts)]
    n_train = r.train_shape[0] if r.train_shape else 0
    facts = [
        (_("Source"), r.source or "—"), (_("Kind"), r.kind), (_("Train shape"), str(r.train_shape)),
        (_("Test shape"), str(r.test_shape)), (_("Data type"), r.dtype),
        (_("Value range"), f"{r.value_min:g} .. {r.value_max:g}"),
        (_("Mean / std"), f"{r.mean:.4g} / {r.std:.4g}"),
    ]
    if r.task == "regression":
        t = r.targets
        facts += [(_("Target range"), f"{t['min']:g} .. {t['max']:g}"),
                  (_("Target mean / std"), f"{t['mean']:.4g} / {t['std']:.4g}"),
                  (_("Training-mean baseline"), _("test MAE {mae:.4g}, R² {r2:.3f}").format(mae=t["mean_mae"],
                                                                                           r2=t["mean_r2"])),
                  (_("Duplicates within train"), str(r.duplicates_train)),
                  (_("Test samples also in train"), str(r.duplicates_train_test)),
                  (_("Suggested scaling"), r.suggested_scaling)]
    else:
        facts += _class_facts(r, n_train)
    return {"title": _("Explore: {name}").format(name=r.name), "facts": facts, "counts": counts, "warnings": r.warnings,
            "notes": r.info, "samples_uri": samples_uri, "kind": r.kind,
            "created": time.strftime("%Y-%m-%d %H:%M")}


def _class_facts(r: ExploreResult, n_train: int) -> list[tuple[str, str]]:
    return [
        (_("Majority-class baseline"), _("always “{name}”: {share} on the test set").format(
            name=r.classes[r.majority_class], share=fmt_share(r.majority_accuracy))),
        (_("Largest / smallest class"), f"{r.imbalance_ratio:.2f}"),
        (_("Duplicates within train"), str(r.duplicates_train)),
        (_("Test samples also in train"), str(r.duplicates_train_test)),
        (_("Identical inputs, different labels"), str(r.conflicting_duplicates)),
        (_("Longest run of one label"), f"{r.longest_label_run} ({r.longest_label_run / max(n_train, 1):.1%})"),
        (_("Suggested scaling"), r.suggested_scaling),
    ]
