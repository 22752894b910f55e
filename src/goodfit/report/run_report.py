"""The run report: read what a run folder holds, draw the plots, write one self-contained page.

Works on complete runs and on partial ones (interrupted, diverged, killed before metrics.json):
each section is drawn from the files that exist, and the page says what is missing and why.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from goodfit.fileio import read_json
from goodfit.findings import severity_word
from goodfit.i18n import N_, _, ngettext
from goodfit.report import plots as P
from goodfit.report.html import DASH, embed_png, fmt_pct, render, write_html
from goodfit.report.key_numbers import key_rows, verdicts
from goodfit.run import RunDir, atomic_write_bytes

__all__ = ["RunFiles", "read_run", "write_report"]

STATUS_CSS = {"completed": "ok", "interrupted": "warn", "diverged": "bad"}
STATUS_WORDS = {"completed": N_("completed"), "interrupted": N_("interrupted"), "diverged": N_("diverged"),
                "incomplete": N_("incomplete")}  # metrics.json keeps the English word; the page shows it translated
SEVERITY_CSS = {"error": "bad", "warning": "warn", "warn": "warn", "info": "info"}


@dataclass
class RunFiles:
    """Everything a report needs from a run folder; ``None``/empty where a file is absent."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)  # without its meta block
    meta: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] | None = None
    predictions: dict[str, np.ndarray] | None = None
    findings: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)  # what is missing or unreadable, for the reader

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in (self.metrics or {}).get("classes", [])]


def read_run(run_dir: str | Path) -> RunFiles:
    """Read config, history, metrics, predictions and findings of a run; tolerate missing files.

    Examples:
        >>> read_run("runs/run-20250101-120000").metrics["status"]  # doctest: +SKIP
        'completed'
    """
    run = RunDir.open(run_dir)
    rf = RunFiles(run.path)
    config = _load(run.path / "config.yaml", yaml.safe_load, rf.notes)
    if isinstance(config, dict):
        rf.meta = config.pop("meta", None) or {}
        rf.config = config
    rf.history = run.read_history()
    metrics = _load(run.path / "metrics.json", json.loads, rf.notes)
    if isinstance(metrics, dict):
        rf.metrics = metrics
    elif not (run.path / "metrics.json").exists():
        rf.notes.append(_("No metrics.json: the run is still going, or was killed before it could write its final "
                          "metrics. Curves below show the epochs it finished."))
    rf.predictions = _load_npz(run.path / "predictions.npz", rf.notes)
    findings = _load(run.path / "findings.json", json.loads, rf.notes)
    if isinstance(findings, dict):
        findings = findings.get("findings")
    if isinstance(findings, list):
        rf.findings = [f for f in findings if isinstance(f, dict)]
    return rf


def _load(path: Path, parse: Any, notes: list[str]) -> Any:
    if not path.is_file():
        return None
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError, OSError) as exc:
        notes.append(_("{file} could not be read ({error}: {message}); it was skipped.").format(
            file=path.name, error=type(exc).__name__, message=exc))
        return None


def _load_npz(path: Path, notes: list[str]) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError) as exc:
        notes.append(_("predictions.npz could not be read ({message}); it was skipped.").format(message=exc))
        return None


def write_report(run_dir: str | Path) -> Path:
    """Write ``plots/*.png`` and a self-contained ``report.html`` into a run folder; return the page.

    Examples:
        >>> import goodfit
        >>> cfg = goodfit.apply_overrides(goodfit.Config(), ["data.name=digits", "train.epochs=1",
        ...                                                  "out_dir=/tmp/goodfit-doc"])
        >>> run = goodfit.fit(cfg, progress="quiet", report=False).run_dir
        >>> write_report(run).name
        'report.html'
    """
    rf = read_run(run_dir)
    figures = _make_plots(rf)
    for fig in figures:
        atomic_write_bytes(rf.path / fig["file"], fig.pop("png"))
    html = render("report.html", **_context(rf, figures))
    return write_html(rf.path / "report.html", html)


# --------------------------------------------------------------------------- plots


def _make_plots(rf: RunFiles) -> list[dict[str, Any]]:
    """The figures this run's files allow, each with its PNG bytes and an inline data URI."""
    m = rf.metrics or {}
    task = m.get("task", "classification")
    baselines = m.get("baselines") or {}
    best = m.get("best_epoch")
    out: list[dict[str, Any]] = []

    def add(file: str, title: str, caption: str, png: bytes) -> None:
        out.append({"file": f"plots/{file}", "title": title, "caption": caption, "png": png,
                    "uri": embed_png(png)})

    views = _views_note(rf)
    if any("train_loss" in row for row in rf.history):
        classes = task == "classification"
        add("loss.png", _("Loss per epoch"), _(
            "Train and validation loss; the dashed line marks the epoch with the lowest validation loss, whose "
            "weights were kept. A validation curve that turns up while training loss still falls is overfitting."
        ) + views,
            P.loss_curve(rf.history, best_epoch=best, chance_loss=baselines.get("chance_loss"),
                         ylabel="cross-entropy loss" if classes else "loss",
                         reference_label="chance (ln C)" if classes else "no skill"))
    if any("train_acc" in row for row in rf.history) and task == "classification":
        add("accuracy.png", _("Accuracy per epoch"), _(
            "Train and validation accuracy; the dotted line is what always predicting the majority class scores on "
            "the test set.") + views,
            P.accuracy_curve(rf.history, best_epoch=best,
                             majority=(baselines.get("majority") or {}).get("accuracy")))
    out += _task_plots(rf, task, add)
    cm = (m.get("test") or {}).get("confusion_matrix")
    if cm:
        title = (_("Confusion matrix (test set) at the threshold chosen on validation") if task == "binary"
                 else _("Confusion matrix (test set)"))
        add("confusion_matrix.png", title, _("Rows are true classes, columns the predicted ones; off-diagonal cells "
                                             "are the mistakes."),
            P.confusion_matrix_plot(cm, rf.classes or [str(i) for i in range(len(cm))]))
    lr_find = rf.path / "lr_find.json"
    if lr_find.is_file():  # optim.lr=find: the range test chose the learning rate
        found = read_json(lr_find, what="lr-find result")
        add("lr_find.png", _("Learning-rate finder"), _(
            "The learning rate grew from {first:.0e} while the model trained; optim.lr={lr:.3g} was taken by the "
            "{rule} rule (where the smoothed loss falls fastest).").format(
                first=found["lrs"][0], lr=found["suggestion"], rule=found["rule"]), P.lr_find_plot(found))
    worst = _worst(rf)
    if worst is not None:
        add("worst_test.png", _("Worst-classified test images"), _(
            "The test images with the highest loss: true → predicted class, with the probability the model gave its "
            "prediction. Look for label errors and for what the confusions have in common."),
            P.worst_images_grid(*worst))
    return out


def _views_note(rf: RunFiles) -> str:
    """A caption's last sentence when ``train.tta`` made the numbers after training differ in kind from
    the curves: each epoch scores every image alone, the final numbers average several views of it."""
    tta = (rf.config.get("train") or {}).get("tta", "none")
    if tta in (None, "none"):
        return ""
    return " " + _("The curves score each image alone; the numbers after training average the views of "
                   "train.tta={views}, so they may lie above the curves' last point.").format(views=tta)


def _task_plots(rf: RunFiles, task: str, add: Any) -> list[dict[str, Any]]:
    """The score curve and the test figure of tasks beyond classes (ROC, predicted vs true, examples)."""
    from goodfit.report import task_plots as T
    from goodfit.report.html import is_fraction
    from goodfit.report.key_numbers import METRIC_NAMES, metric_label

    m, p, best = rf.metrics or {}, rf.predictions or {}, (rf.metrics or {}).get("best_epoch")
    score = m.get("score", "accuracy")
    name = METRIC_NAMES.get(score, score)  # the plot's axis stays English
    if task != "classification" and any(f"valid_{score}" in row for row in rf.history):
        add(f"{score}.png", _("Validation {metric} per epoch").format(metric=metric_label(score)), _(
            "The score that selects models, on the validation split after each epoch."),
            T.score_curve(rf.history, score, name, best_epoch=best, fraction=is_fraction(score)))
    test = m.get("test") or {}
    if task == "binary" and {"y_true", "probs"} <= set(p):
        add("roc.png", _("ROC curve (test set)"), _(
            "How many positives the model finds (true positive rate) for each share of false alarms, over every "
            "threshold; the diagonal is a score with no skill."),
            T.roc_plot(p["y_true"], p["probs"], auroc=test.get("auroc")))
    elif task == "regression" and {"y_true", "y_pred"} <= set(p):
        target = ((rf.config.get("data") or {}).get("name") or "target") if isinstance(rf.config, dict) else "target"
        add("predicted_vs_true.png", _("Predicted against true values (test set)"), _(
            "Each dot is a test sample; on the dotted line the prediction is exact. The dashed line is the mean: a "
            "model no better than it has not learned anything."),
            T.regression_scatter(p["y_true"], p["y_pred"], name=f"{target} target"))
    elif {"example_inputs", "example_outputs", "example_targets"} <= set(p) and p["example_inputs"].ndim == 4:
        add("examples.png", _("Test examples"), _("Top: what the model was given; middle: what it made of it; "
                                                  "bottom: the target."),
            T.examples_grid(p["example_inputs"], p["example_outputs"], p["example_targets"]))
    return []


def _worst(rf: RunFiles) -> tuple | None:
    p = rf.predictions
    if p is None or not {"worst_images", "worst_index", "y_true", "y_pred", "probs"} <= set(p):
        return None
    images, idx = p["worst_images"], p["worst_index"].astype(np.int64)
    if images.ndim != 4 or len(images) == 0 or len(images) != len(idx):
        return None  # tables have no images to show
    y_pred = p["y_pred"][idx]
    p_pred = p["probs"][idx, y_pred] if p["probs"].ndim == 2 else np.full(len(idx), np.nan)
    classes = rf.classes or [str(i) for i in range(int(max(p["y_true"].max(), p["y_pred"].max())) + 1)]
    return images, p["y_true"][idx], y_pred, p_pred, classes


# --------------------------------------------------------------------------- page context


def _context(rf: RunFiles, figures: list[dict[str, Any]]) -> dict[str, Any]:
    m = rf.metrics or {}
    name = rf.config.get("name") if isinstance(rf.config.get("name"), str) else None
    suffix = f" ({name})" if name and not rf.path.name.startswith(name) else ""
    return {
        "title": _("Run report: {run}").format(run=rf.path.name + suffix),
        "run_path": str(rf.path),
        "created": time.strftime("%Y-%m-%d %H:%M"),  # when this page was made
        "status": _status(rf),
        "notes": rf.notes,
        "training": _training(m),
        "key": key_rows(m),
        "majority_label": _majority_label(m),
        "verdicts": verdicts(m),
        "test_evals": _test_evals(m),
        "findings": [_finding(f) for f in rf.findings] if rf.findings is not None else None,
        "per_class": _per_class(m),
        "plots": figures,
        "config_yaml": yaml.safe_dump(rf.config, sort_keys=False) if rf.config else None,
        "env": _env(rf.meta),
    }


def _status(rf: RunFiles) -> dict[str, Any]:
    if rf.metrics is None:
        return {"label": _(STATUS_WORDS["incomplete"]), "css": "warn", "message": None, "stop_reason": None}
    state = str(rf.metrics.get("status", "unknown"))
    return {"label": _(STATUS_WORDS[state]) if state in STATUS_WORDS else state, "css": STATUS_CSS.get(state, "warn"),
            "message": rf.metrics.get("message"), "stop_reason": rf.metrics.get("stop_reason")}


def _training(m: dict[str, Any]) -> list[tuple[str, str]]:
    seconds = m.get("train_time_s")
    sizes = " / ".join(str(m.get(k, DASH)) for k in ("n_train", "n_valid", "n_test"))
    rows = [(_("Epochs run"), m.get("epochs_run")), (_("Best epoch (lowest valid loss)"), m.get("best_epoch")),
            (_("Training time"), f"{seconds:.1f} s" if isinstance(seconds, (int, float)) else None),
            (_("Train / valid / test samples"), sizes if "n_train" in m else None),
            (_("Unreadable images left out (data.skip_bad)"), m.get("n_skipped")),
            (_("Classes"), len(m["classes"]) if m.get("classes") else None)]
    return [(label, str(v)) for label, v in rows if v is not None]


def _majority_label(m: dict[str, Any]) -> str | None:
    maj = (m.get("baselines") or {}).get("majority") or {}
    if "class" not in maj or m.get("task", "classification") != "classification":
        return None
    classes = m.get("classes") or []
    c = maj["class"]
    name = classes[c] if isinstance(c, int) and 0 <= c < len(classes) else c
    return _("always “{name}”").format(name=name)


def _test_evals(m: dict[str, Any]) -> dict[str, Any]:
    items = [e for e in (m.get("test_evaluations") or []) if isinstance(e, dict)]
    n = len(items)
    text = ngettext("The test set was evaluated {n} time.", "The test set was evaluated {n} times.", n).format(n=n)
    if n == 0:
        return {"n": 0, "css": "info", "looks": [],
                "text": text + " " + _("The run did not complete, so its test set is still untouched.")}
    if n > 1:
        return {"n": n, "css": "warn", "looks": items,
                "text": text + " " + _("Every extra look at the test set, followed by a change to the model, makes its "
                                       "score an optimistic estimate. Choose models on the validation split and "
                                       "evaluate the test set once, at the end.")}
    return {"n": 1, "css": "ok", "looks": items,
            "text": text + " " + _("Its score is an honest estimate of performance on new data.")}


def _finding(f: dict[str, Any]) -> dict[str, str]:
    severity = str(f.get("severity", "info")).lower()
    return {"id": str(f.get("id", "")), "severity": severity, "label": severity_word(severity),
            "css": SEVERITY_CSS.get(severity, "info"), "message": str(f.get("message", "")),
            "fix": str(f["fix"]) if f.get("fix") else ""}


def _per_class(m: dict[str, Any]) -> list[dict[str, str]]:
    cm = (m.get("test") or {}).get("confusion_matrix")
    if not cm or m.get("task", "classification") != "classification":
        return []
    cm = np.asarray(cm, dtype=np.float64)
    tp, predicted, actual = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp),
                   where=(precision + recall) > 0)
    classes = m.get("classes") or [str(i) for i in range(len(cm))]
    return [{"name": str(classes[i]) if i < len(classes) else str(i), "precision": fmt_pct(precision[i]),
             "recall": fmt_pct(recall[i]), "f1": fmt_pct(f1[i]), "support": str(int(actual[i]))}
            for i in range(len(cm))]


def _env(meta: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for pkg, version in (meta.get("versions") or {}).items():
        rows.append((str(pkg), str(version) if version is not None else _("not installed")))
    for key, label in (("git_commit", N_("git commit")), ("command", N_("command")), ("host", N_("host")),
                       ("created", N_("created"))):
        if meta.get(key):
            rows.append((_(label), str(meta[key])))
    return rows
