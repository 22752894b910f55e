"""User data: an image folder tree (``imagefolder:PATH``) or a CSV table (``csv:PATH``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset
from goodfit.data.images import read_image
from goodfit.data.splits import stratified_split
from goodfit.errors import DataError

__all__ = ["load_image_folder", "load_csv"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def _read_class_tree(folder: Path) -> tuple[list[np.ndarray], list[int], list[str]]:
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if len(classes) < 2:
        found = f"only the class folder {classes[0]!r}" if classes else "no class sub-folders"
        raise DataError(f"{folder} has {found}; a classifier needs >= 2: lay images out as "
                        f"{folder}/<class>/<image>.png")
    images, labels = [], []
    for label, cls in enumerate(classes):
        for f in sorted((folder / cls).iterdir()):
            if f.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            im = read_image(f)  # the guarded decoder: corrupt, empty and oversized files are one DataError
            images.append(np.asarray(im if im.mode == "L" else im.convert("L" if im.mode == "1" else "RGB")))
            labels.append(label)
    if not images:
        raise DataError(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in its class folders")
    return images, labels, classes


def _stack(images: list[np.ndarray], where: Path) -> np.ndarray:
    shapes = {im.shape for im in images}
    if len(shapes) != 1:
        raise DataError(f"images under {where} differ in size/mode ({sorted(shapes)[:3]}...); resize them to one size")
    x = np.stack(images)
    return x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)  # (N, C, H, W)


def load_image_folder(path: str, root: str | Path | None = None, *, download: bool = False) -> Dataset:
    """Images in ``PATH/<class>/*.png`` (torchvision ImageFolder layout), all one size.

    If ``PATH/train`` and ``PATH/test`` exist they are used as given; otherwise 20 % of the images
    are held out as the test set (stratified, seed 0).
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataError(f"image folder {folder} not found; pass imagefolder:PATH with PATH/<class>/<image>")
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        tr_imgs, tr_y, classes = _read_class_tree(folder / "train")
        te_imgs, te_y, te_classes = _read_class_tree(folder / "test")
        if te_classes != classes:
            raise DataError(f"{folder}/test has classes {te_classes}, train has {classes}; make them match")
        x_tr, x_te = _stack(tr_imgs, folder / "train"), _stack(te_imgs, folder / "test")
        y_tr, y_te = np.array(tr_y, np.int64), np.array(te_y, np.int64)
    else:
        imgs, ys, classes = _read_class_tree(folder)
        if len(imgs) < 2 * len(classes):
            raise DataError(f"{folder} has only {len(imgs)} images for {len(classes)} classes; need >= 2 per class")
        x, y = _stack(imgs, folder), np.array(ys, np.int64)
        tr, te = stratified_split(y, test_fraction=0.2, seed=0)
        x_tr, y_tr, x_te, y_te = x[tr], y[tr], x[te], y[te]
    return Dataset(f"imagefolder:{folder}", x_tr, y_tr, x_te, y_te, tuple(classes), source=str(folder))


def load_csv(path: str, root: str | Path | None = None, *, download: bool = False, task: str = "auto") -> Dataset:
    """A numeric CSV table with a header; the label column is ``label``, ``target``, ``class`` or ``y``
    (else the last column). Its values are class labels, or real values with ``task="regression"``
    (``data.task=regression``). 20 % held out as test (stratified by class, seed 0)."""
    import pandas as pd

    file = Path(path).expanduser()
    if not file.is_file():
        raise DataError(f"CSV file {file} not found; pass csv:PATH to a table with a header row")
    try:
        df = pd.read_csv(file)
    except Exception as exc:
        raise DataError(f"{file} is not a readable CSV ({str(exc).splitlines()[0]})") from None
    if all(_is_number(c) for c in df.columns):
        raise DataError(f"{file}: the first row ({', '.join(map(str, df.columns[:4]))}...) is data, not a header; "
                        "add a header row with the column names (label column: label, target, class or y)")
    if df.shape[1] < 2 or len(df) < 4:
        raise DataError(f"{file} needs a header, >= 1 feature column, a label column and >= 4 rows")
    label_col = next((c for c in ("label", "target", "class", "y") if c in df.columns), df.columns[-1])
    features = df.drop(columns=[label_col])
    non_numeric = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if non_numeric:
        raise DataError(f"{file}: feature columns must be numeric; {non_numeric[:3]} are not (encode them first)")
    if features.isna().any().any() or df[label_col].isna().any():
        raise DataError(f"{file} has missing values; fill or drop them first")
    x = features.to_numpy(np.float32)
    if not np.isfinite(x).all():
        raise DataError(f"{file} has infinite (or too large for float32) feature values; fix or drop those rows")
    name, source = f"csv:{file}", str(file)
    if task == "regression":
        y = _real_targets(df[label_col], file, label_col)
        perm = np.random.default_rng(0).permutation(len(y))
        tr, te = perm[len(y) // 5:], perm[: len(y) // 5]
        return Dataset(name, x[tr], y[tr], x[te], y[te], (), kind="table", source=source, task="regression",
                       target_names=(str(label_col),))
    _reject_continuous(df[label_col], file, label_col)
    codes, classes = pd.factorize(df[label_col], sort=True)
    if len(classes) < 2:
        raise DataError(f"{file}: the label column {label_col!r} holds one class ({classes[0]!r}); a classifier "
                        "needs at least two")
    y = codes.astype(np.int64)
    tr, te = stratified_split(y, test_fraction=0.2, seed=0)
    return Dataset(name, x[tr], y[tr], x[te], y[te], tuple(str(c) for c in classes), kind="table", source=source)


def _is_number(text: object) -> bool:
    try:
        float(str(text).split(".")[0] if str(text).count(".") > 1 else str(text))  # pandas renames "1" twice to "1.1"
    except ValueError:
        return False
    return True


def _real_targets(column, file: Path, label_col: str) -> np.ndarray:
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise DataError(f"{file}: data.task=regression needs numbers in the label column {label_col!r}")
    y = column.to_numpy(np.float32)
    if not np.isfinite(y).all():
        raise DataError(f"{file}: the label column {label_col!r} has infinite values; fix or drop those rows")
    return y


def _reject_continuous(column, file: Path, label_col: str) -> None:
    """Real-valued labels read as classes would make a class of every value: say what to do instead."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return
    values = column.to_numpy(np.float64)
    fractional = not np.all(np.equal(np.mod(values[np.isfinite(values)], 1), 0))
    distinct = len(np.unique(values))
    if fractional or (distinct > 20 and distinct > len(values) // 2):
        raise DataError(f"{file}: the label column {label_col!r} looks continuous ({distinct} distinct values"
                        f"{', not whole numbers' if fractional else ''}); for a regression pass data.task=regression")
