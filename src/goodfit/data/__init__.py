"""Data sets: an explicit registry, splits (stratified, seeded) and scaling (fitted on train only).
Names load on first use (:mod:`goodfit.lazy`).

Examples:
    >>> from goodfit.data import load_dataset
    >>> ds = load_dataset("mnist-5k")
    >>> ds.x_train.shape, ds.n_classes
    ((4000, 1, 28, 28), 10)
"""

from typing import TYPE_CHECKING

from goodfit.lazy import lazy_exports

__all__ = [
    "Dataset",
    "dataset_from_config",
    "DATASETS",
    "kfold",
    "load_dataset",
    "make_noise",
    "mix",
    "noise_bank",
    "NOISES",
    "prepare_data",
    "PreparedData",
    "read_idx",
    "resize_images",
    "resolve_root",
    "Scaler",
    "ScaledRows",
    "Split",
    "split_and_scale",
    "stratified_kfold",
    "stratified_split",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "goodfit.data.registry": ("DATASETS", "load_dataset", "dataset_from_config"),
    "goodfit.data.base": ("Dataset", "resolve_root"),
    "goodfit.data.imagefolder": ("resize_images",),
    "goodfit.data.mnist": ("read_idx",),
    "goodfit.data.noise": ("NOISES", "make_noise", "mix", "noise_bank"),
    "goodfit.data.prepare": ("PreparedData", "prepare_data", "split_and_scale"),
    "goodfit.data.scaling": ("Scaler",),
    "goodfit.data.splits": ("Split", "kfold", "stratified_kfold", "stratified_split"),
    "goodfit.data.streaming": ("ScaledRows",),
})

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from goodfit.data.base import Dataset, resolve_root  # noqa: F401
    from goodfit.data.imagefolder import resize_images  # noqa: F401
    from goodfit.data.mnist import read_idx  # noqa: F401
    from goodfit.data.noise import NOISES, make_noise, mix, noise_bank  # noqa: F401
    from goodfit.data.prepare import PreparedData, prepare_data, split_and_scale  # noqa: F401
    from goodfit.data.registry import DATASETS, dataset_from_config, load_dataset  # noqa: F401
    from goodfit.data.scaling import Scaler  # noqa: F401
    from goodfit.data.splits import Split, kfold, stratified_kfold, stratified_split  # noqa: F401
    from goodfit.data.streaming import ScaledRows  # noqa: F401
