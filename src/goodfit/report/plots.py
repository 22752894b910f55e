"""Report figures as PNG bytes: learning curves, confusion matrix, image grids, table features.

Every function returns the PNG's bytes (write them with :func:`goodfit.run.atomic_write_bytes`,
or inline them with :func:`goodfit.report.html.embed_png`). Figures are drawn on matplotlib's Agg
canvas without pyplot, so no global state or GUI backend is touched, and matplotlib is imported
only when a figure is drawn. Figures are small (``DPI``) to keep self-contained pages light.

Examples:
    >>> png = loss_curve([{"epoch": 1, "train_loss": 2.3, "valid_loss": 2.2},
    ...                   {"epoch": 2, "train_loss": 1.1, "valid_loss": 1.3}], best_epoch=2)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "loss_curve",
    "accuracy_curve",
    "confusion_matrix_plot",
    "worst_images_grid",
    "samples_grid",
    "table_features_plot",
    "image_for_display",
    "new_figure",
    "figure_png",
    "curve_figure",
    "lr_find_plot",
]

DPI = 100
ANNOTATE_MAX_CLASSES = 20  # beyond this, counts in the confusion-matrix cells become unreadable


def new_figure(width: float, height: float) -> Any:
    """A matplotlib Figure on an Agg canvas (no pyplot state), ``width`` x ``height`` inches."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Any) -> bytes:
    """The figure as PNG bytes, tightly cropped, without a timestamp or software tag (reproducible)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _column(history: Sequence[dict[str, Any]], key: str) -> np.ndarray | None:
    """One history column as floats (NaN where missing, non-numeric or infinite); None if absent."""
    if not any(key in row for row in history):
        return None
    out = np.full(len(history), np.nan)
    for i, row in enumerate(history):
        v = row.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
            out[i] = v
    return None if np.isnan(out).all() else out


def curve_figure(history: Sequence[dict[str, Any]], metric: str, ylabel: str, *, best_epoch: int | None,
           reference: float | None, reference_label: str) -> Any:
    """The figure and axes of ``train_<metric>`` and ``valid_<metric>`` per epoch (whichever exist), a
    horizontal reference line and the best epoch, for the caller to finish."""
    from matplotlib.ticker import MaxNLocator

    fig = new_figure(5.0, 3.2)
    ax = fig.add_subplot()
    epochs = _column(history, "epoch")
    epochs = np.arange(1, len(history) + 1) if epochs is None else epochs
    for split, style in (("train", "-o"), ("valid", "-s")):
        values = _column(history, f"{split}_{metric}")
        if values is not None:
            ax.plot(epochs, values, style, markersize=3, label=split)
    if reference is not None and np.isfinite(reference):
        ax.axhline(reference, color="grey", linestyle=":", linewidth=1, label=reference_label)
    if best_epoch:
        ax.axvline(best_epoch, color="tab:green", linestyle="--", linewidth=1,
                   label=f"best epoch ({best_epoch})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig, ax


def loss_curve(history: Sequence[dict[str, Any]], *, best_epoch: int | None = None,
               chance_loss: float | None = None, ylabel: str = "cross-entropy loss",
               reference_label: str = "chance (ln C)") -> bytes:
    """Train and valid loss per epoch, the best epoch as a vertical line, the no-skill loss (``ln C``
    for a classifier) as a reference.

    Non-finite losses (a diverged run) leave gaps; a loss spanning decades switches to a log axis.
    """
    fig, ax = curve_figure(history, "loss", ylabel, best_epoch=best_epoch, reference=chance_loss,
                           reference_label=reference_label)
    values = np.concatenate([c for c in (_column(history, "train_loss"), _column(history, "valid_loss"))
                             if c is not None] or [np.array([np.nan])])
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 50:
        ax.set_yscale("log")
    return figure_png(fig)


def accuracy_curve(history: Sequence[dict[str, Any]], *, best_epoch: int | None = None,
                   majority: float | None = None) -> bytes:
    """Train and valid accuracy per epoch, with the majority-class accuracy as a reference line."""
    fig, ax = curve_figure(history, "acc", "accuracy", best_epoch=best_epoch,
                     reference=majority, reference_label="majority class")
    ax.set_ylim(-0.02, 1.02)
    return figure_png(fig)


def confusion_matrix_plot(cm: Any, classes: Sequence[str], *, title: str = "test set") -> bytes:
    """Counts of (true row, predicted column), annotated when there are few enough classes."""
    cm = np.asarray(cm, dtype=np.int64)
    n = len(cm)
    side = float(np.clip(0.45 * n + 1.8, 3.5, 10.0))
    fig = new_figure(side + 0.8, side)
    ax = fig.add_subplot()
    im = ax.imshow(cm, cmap="Blues", interpolation="nearest")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if n <= 40:
        names = [str(c) for c in classes][:n]
        ax.set_xticks(range(n), names, rotation=45 if max(map(len, names), default=0) > 2 else 0,
                      ha="right" if max(map(len, names), default=0) > 2 else "center", fontsize=8)
        ax.set_yticks(range(n), names, fontsize=8)
    if n <= ANNOTATE_MAX_CLASSES:
        threshold = cm.max() / 2 if cm.size else 0
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > threshold else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix ({title})", fontsize=10)
    return figure_png(fig)


def image_for_display(img: np.ndarray) -> tuple[np.ndarray, str | None]:
    """A ``(C, H, W)`` image as something ``imshow`` draws: ``(H, W)`` gray or ``(H, W, 3)`` in [0, 1].

    Examples:
        >>> arr, cmap = image_for_display(np.zeros((3, 4, 5), dtype=np.uint8))
        >>> arr.shape, cmap
        ((4, 5, 3), None)
    """
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] == 3:
        return _minmax(img.transpose(1, 2, 0)), None
    if img.ndim == 3:
        img = img[0]  # one channel (or an unusual count): show the first as gray
    return img, "gray"


def worst_images_grid(images: np.ndarray, y_true: Sequence[int], y_pred: Sequence[int],
                      p_pred: Sequence[float], classes: Sequence[str], *, cols: int = 5) -> bytes:
    """The test images the model got most wrong, titled ``true → predicted (p=...)``.

    Drawn as one mosaic with text above each cell: one ``imshow`` is far faster than 25 axes.
    """
    shown = [image_for_display(im) for im in images]
    titles = [_worst_title(_name(classes, t), _name(classes, p), float(q))
              for t, p, q in zip(y_true, y_pred, p_pred)]
    n = len(shown)
    rows = max(1, -(-n // cols))
    color = any(cmap is None for _, cmap in shown)
    h, w = shown[0][0].shape[:2] if shown else (1, 1)
    gap = max(1, round(0.08 * w))
    lines = max((t.count("\n") + 1 for t in titles), default=1)
    top = max(2, round((0.13 * lines + 0.06) * (w + gap)))  # room for the title, in pixels of the mosaic
    mosaic = np.ones((rows * (h + top), cols * (w + gap)) + ((3,) if color else ()))
    width = cols * 1.4
    fig = new_figure(width, width * rows * (h + top) / (cols * (w + gap)) + 0.2)
    ax = fig.add_subplot()
    for k, (arr, cmap) in enumerate(shown):
        r, c = divmod(k, cols)
        if cmap is not None:  # gray: stretch each image to [0, 1], as imshow would alone
            arr = _minmax(arr)
            arr = np.repeat(arr[..., None], 3, axis=-1) if color else arr
        y0, x0 = r * (h + top) + top, c * (w + gap)
        mosaic[y0: y0 + h, x0: x0 + w] = arr
        wrong = int(y_true[k]) != int(y_pred[k])
        ax.text(x0 + w / 2, y0 - 0.5, titles[k], ha="center", va="bottom", fontsize=7,
                color="tab:red" if wrong else "black")
    ax.imshow(mosaic, cmap=None if color else "gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    return figure_png(fig)


def _worst_title(true: str, pred: str, p: float, max_len: int = 14) -> str:
    true, pred = (x if len(x) <= max_len else x[: max_len - 1] + "…" for x in (true, pred))
    head = f"{true} → {pred}" if len(true) + len(pred) <= 14 else f"{true} →\n{pred}"
    return f"{head}\n(p={p:.2f})"


def _minmax(arr: np.ndarray) -> np.ndarray:
    lo, hi = arr.min(), arr.max()
    return (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)


def _name(classes: Sequence[str], label: Any) -> str:
    i = int(label)
    return str(classes[i]) if 0 <= i < len(classes) else str(i)


def samples_grid(x: np.ndarray, y: np.ndarray, classes: Sequence[str], *, per_class: int = 8,
                 max_classes: int = 20, seed: int = 0) -> bytes:
    """``per_class`` random training images for each class, one row per class, named on the left.

    Drawn as one mosaic (one ``imshow``), which is fast even for many classes.
    """
    rng = np.random.default_rng(seed)
    shown = list(range(min(len(classes), max_classes)))
    h, w = x.shape[-2:]
    color = x.ndim == 4 and x.shape[1] == 3
    pad = 2
    mosaic = np.ones(((h + pad) * len(shown), (w + pad) * per_class) + ((3,) if color else ()))
    for r, c in enumerate(shown):
        idx = np.flatnonzero(y == c)
        pick = rng.choice(idx, size=min(per_class, idx.size), replace=False) if idx.size else []
        for k, i in enumerate(pick):
            arr, _ = image_for_display(x[i])
            if not color:
                arr = _minmax(arr)
            mosaic[r * (h + pad): r * (h + pad) + h, k * (w + pad): k * (w + pad) + w] = arr
    fig = new_figure(min(1.0 + 0.6 * per_class, 8.0), min(0.6 * len(shown) + 0.5, 14.0))
    ax = fig.add_subplot()
    ax.imshow(mosaic, cmap=None if color else "gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([r * (h + pad) + h / 2 for r in range(len(shown))], [str(classes[c]) for c in shown],
                  fontsize=8)
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if len(shown) < len(classes):
        ax.set_title(f"first {len(shown)} of {len(classes)} classes", fontsize=8)
    return figure_png(fig)


def table_features_plot(x: np.ndarray, y: np.ndarray, classes: Sequence[str], *,
                        max_features: int = 3) -> bytes:
    """For tables: a scatter of the first two features by class, and histograms of the first few."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    k = min(max_features, x.shape[1])
    panels = (1 if x.shape[1] >= 2 else 0) + k
    fig = new_figure(3.2 * panels, 3.0)
    shown = np.unique(y)[:10]  # legends and colours stay readable for up to 10 classes
    pos = 1
    if x.shape[1] >= 2:
        ax = fig.add_subplot(1, panels, pos)
        for c in shown:
            m = y == c
            ax.scatter(x[m, 0], x[m, 1], s=6, alpha=0.6, label=_name(classes, c))
        ax.set_xlabel("feature 0")
        ax.set_ylabel("feature 1")
        ax.legend(fontsize=6, markerscale=2)
        pos += 1
    for j in range(k):
        ax = fig.add_subplot(1, panels, pos + j)
        finite = x[:, j][np.isfinite(x[:, j])]
        ax.hist(finite, bins=30, color="tab:blue", alpha=0.8)
        ax.set_xlabel(f"feature {j}")
        ax.set_ylabel("count" if j == 0 else "")
    fig.subplots_adjust(wspace=0.35)
    return figure_png(fig)


def lr_find_plot(found: dict[str, Any]) -> bytes:
    """The learning-rate range test (``lr_find.json``): loss against learning rate on a log axis, the
    smoothed curve, and the suggested learning rate marked."""
    fig = new_figure(5.2, 3.2)
    ax = fig.add_subplot()
    lrs, smoothed = np.asarray(found["lrs"], float), np.asarray(found["smoothed"], float)
    ax.plot(lrs, found["losses"], color="#b8c2d6", lw=0.8, label="loss per step")
    ax.plot(lrs, smoothed, color="#1f4f8f", lw=1.8, label="smoothed")
    ax.axvline(found["suggestion"], color="#e0262b", ls="--", lw=1.2,
               label=f"suggested {found['suggestion']:.2g} ({found['rule']} rule)")
    finite = smoothed[np.isfinite(smoothed)]
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        top = min(high, low + 3 * (float(finite[0]) - low) + 1e-9)  # the blow-up at the end would flatten the rest
        ax.set_ylim(low - 0.05 * (top - low), top + 0.05 * (top - low) + 1e-12)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return figure_png(fig)
