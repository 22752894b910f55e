"""The report of a hyperparameter search: protocol, best config, trials, heatmap, history, importances."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from goodfit.i18n import _, ngettext
from goodfit.report.html import embed_png, fmt_num, is_fraction, render, write_html

__all__ = ["write_search_report", "grid_heatmap", "history_plot", "importances"]

MIN_TRIALS_FOR_IMPORTANCE = 4


def _png(fig: Any) -> bytes:
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def grid_heatmap(rows: list[dict[str, Any]], keys: list[str], grid: dict[str, list], *,
                 score: str = "accuracy") -> bytes:
    """The valid score over a 2-D grid (``keys[0]`` down, ``keys[1]`` across); pruned/missing cells blank."""
    import numpy as np
    from matplotlib.figure import Figure

    ys, xs = grid[keys[0]], grid[keys[1]]
    acc = np.full((len(ys), len(xs)), np.nan)
    for r in rows:
        if r["state"] == "COMPLETE" and r["value"] is not None:
            i, j = ys.index(r["params"][keys[0]]), xs.index(r["params"][keys[1]])
            acc[i, j] = np.nanmax([acc[i, j], r["value"]])
    fig = Figure(figsize=(1.2 * len(xs) + 2.5, 0.8 * len(ys) + 1.8), dpi=100)
    ax = fig.add_subplot()
    im = ax.imshow(acc, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(keys[1])
    ax.set_ylabel(keys[0])
    for i in range(len(ys)):
        for j in range(len(xs)):
            if np.isfinite(acc[i, j]):
                text = f"{100 * acc[i, j]:.1f}" if is_fraction(score) else f"{acc[i, j]:.3g}"
                ax.text(j, i, text, ha="center", va="center", color="w", fontsize=9)
    fig.colorbar(im, ax=ax, label=f"valid {score}")
    return _png(fig)


def history_plot(rows: list[dict[str, Any]], *, score: str = "accuracy") -> bytes:
    """Each finished trial's valid score in trial order, and the best so far."""
    from matplotlib.figure import Figure

    done = [r for r in rows if r["state"] == "COMPLETE" and r["value"] is not None]
    fig = Figure(figsize=(7, 3.5), dpi=100)
    ax = fig.add_subplot()
    best, running = [], float("-inf")
    for r in done:
        running = max(running, r["value"])
        best.append(running)
    ax.plot([r["number"] for r in done], [r["value"] for r in done], "o", ms=4, label="trial")
    ax.step([r["number"] for r in done], best, where="post", color="C1", label="best so far")
    pruned = [r["number"] for r in rows if r["state"] == "PRUNED"]
    if pruned:
        ax.plot(
            pruned,
            [min(r["value"] for r in done) if done else 0] * len(pruned),
            "x",
            color="C3",
            label="pruned",
        )
    ax.set_xlabel("trial")
    ax.set_ylabel(f"valid {score}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def importances(study: Any) -> dict[str, float] | None:
    """Optuna's parameter importances (fANOVA), or ``None`` when the study is too small to say."""
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
    n_params = len({k for t in done for k in t.params})
    if len(done) < MIN_TRIALS_FOR_IMPORTANCE or n_params < 2:
        return None
    try:
        from optuna.importance import get_param_importances

        return {k: float(v) for k, v in get_param_importances(study).items()}
    except (RuntimeError, ValueError, ZeroDivisionError):  # e.g. every trial has the same value
        return None


def _importance_plot(imp: dict[str, float]) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 0.5 * len(imp) + 1.2), dpi=100)
    ax = fig.add_subplot()
    names = list(imp)[::-1]
    ax.barh(names, [imp[n] for n in names])
    ax.set_xlabel("importance (fANOVA, sums to 1)")
    return _png(fig)


def write_search_report(study_dir: str | Path, result: Any, *, study: Any, spec: dict[str, Any]) -> Path:
    """Write ``report.html`` of a search (``result``: a ``SearchResult``)."""
    study_dir = Path(study_dir)
    rows, best, final = result.trials, result.best, result.final
    keys = list(spec["space"])
    score = next((r["score"] for r in rows if r.get("score")), "accuracy")
    summary = [
        [_("trials"), ", ".join(f"{n} {s.lower()}" for s, n in result.counts.items())],
        [_("best trial"), best["number"] if best else "—"],
        [_("best valid {metric}").format(metric=score), fmt_num(best["value"]) if best else "—"],
    ]
    summary += [[_("best {parameter}").format(parameter=k), best["params"].get(k)] for k in keys] if best else []
    if final and final.get("test"):
        summary.append([_("test {metric} (retrained on train+valid, evaluated once)").format(metric=score),
                        fmt_num(final["test"].get(score))])
    images = []
    if spec["kind"] == "grid" and len(keys) == 2:
        caption = _("Valid {metric} over the grid ({rows} × {columns}).").format(metric=score, rows=keys[0],
                                                                                   columns=keys[1])
        images.append((caption, embed_png(grid_heatmap(rows, keys, spec["grid"], score=score))))
    if any(r["state"] == "COMPLETE" for r in rows):
        images.append((_("Optimization history: valid {metric} per trial and the best so far.").format(metric=score),
                       embed_png(history_plot(rows, score=score))))
    imp = importances(study)
    if imp:
        images.append((_("Parameter importances (optuna.importance, fANOVA)."), embed_png(_importance_plot(imp))))
    run_rows = [
        [
            r["number"],
            r["state"].lower(),
            fmt_num(r["value"]),
            r["epochs"],
            fmt_num(r["duration_s"], 3),
            *(r["params"].get(k) for k in keys),
        ]
        for r in sorted(rows, key=lambda r: -(r["value"] if r["value"] is not None and r["value"] == r["value"]
                                              else float("-inf")))
    ]
    html = render(
        "study.html",
        title=ngettext("Search: {name} ({kind}, {n} trials)", "Search: {name} ({kind}, {n} trials)", len(rows)).format(
            name=spec["base"]["name"], kind=spec["kind"], n=len(rows)),
        n_runs=len(rows),
        intro=[_("Every trial trained on the training split and was scored on the validation split only "
                 "(train.evaluate_test=false); the best trial was chosen on validation {metric}.").format(
                     metric=score)],
        notes=[
            _("The best config was then retrained on train+valid (data.valid_fraction=0) and the test set was "
              "evaluated exactly once, on that retrained model.")
            if final
            else _("The best config was not retrained: the test set was not evaluated.")
        ]
        + ([] if imp else [_("Parameter importances are not shown: too few finished trials or parameters.")]),
        summary_title=_("Best trial and the one test"),
        summary_headers=["", _("value")],
        summary_rows=summary,
        run_headers=[_("trial"), _("state"), _("valid {metric}").format(metric=score), _("epochs"), _("seconds"),
                     *keys],
        run_rows=run_rows,
        images=images,
        config_yaml=(study_dir / "config.yaml").read_text() if (study_dir / "config.yaml").is_file() else "",
    )
    return write_html(study_dir / "report.html", html)
