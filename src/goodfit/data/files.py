"""User data: a CSV table (``csv:PATH``). Image folders: :mod:`goodfit.data.imagefolder`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from goodfit.data.base import Dataset
from goodfit.data.splits import stratified_split
from goodfit.errors import DataError

__all__ = ["load_csv"]

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
