"""Your images (``imagefolder:PATH``): any sizes and modes, decoded in parallel, cached between runs.

Layout: ``PATH/<class>/<image>`` (torchvision's ImageFolder), or ``PATH/train/<class>/...`` and
``PATH/test/<class>/...`` when the test set is given. Images of several sizes are brought to one with
``data.image_size=S`` and ``data.resize``: ``crop`` (the shorter side scaled to S, then the centre
S×S cut out: nothing is distorted, the borders of long images are lost) or ``squash`` (scaled to S×S:
everything kept, shapes distorted). Greyscale and colour images may be mixed: then all become RGB.

Decoding runs in one process per core, with a progress bar on a terminal, and each image is written
straight into its row of a file in the user cache folder (``$GOODFIT_CACHE``, never next to the data;
:mod:`goodfit.data.stacking`), so decoding holds one chunk of images in memory, not the folder. The
cache is keyed on every file's name, size and modification time and on the options: the second run
reads it in seconds, and any change to the folder decodes it again. The images are read from there
memory-mapped, so a folder larger than memory loads too; its splits are then scaled batch by batch as
training reads them (``data.stream``, :mod:`goodfit.data.streaming`). An unreadable image is named in
the error; with ``data.skip_bad=true`` it is left out and counted (``Dataset.skipped``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from goodfit.data.base import Dataset, cache_dir
from goodfit.data.images import read_image
from goodfit.data.splits import stratified_split
from goodfit.data.stacking import ImageStack
from goodfit.errors import DataError
from goodfit.run import atomic_write_text
from goodfit.workers import fork_map, fork_processes

__all__ = ["load_image_folder", "resize_images", "IMAGE_SUFFIXES", "RESIZE_MODES"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
RESIZE_MODES = ("crop", "squash")
CACHE_VERSION = 1  # bump when decoding changes what an image becomes
_CHUNK = 256  # images per worker task
_PARALLEL_FROM = 1000  # fewer images decode faster here than processes start


@dataclass(frozen=True)
class _Tree:
    """One class tree: its files (sorted within each class), their labels and the class names."""

    root: Path
    files: list[Path]
    labels: np.ndarray
    classes: list[str]

    def subset(self, positions: np.ndarray) -> _Tree:
        """The files at ``positions``, in that order."""
        return _Tree(self.root, [self.files[i] for i in positions], self.labels[positions], self.classes)

    def fingerprint(self) -> str:
        """Every file's name, size and mtime: any change to the folder changes it."""
        h = hashlib.sha256()
        for f in self.files:
            st = f.stat()
            h.update(f"{f.relative_to(self.root)}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
        return h.hexdigest()


def _scan(folder: Path) -> _Tree:
    classes = sorted(e.name for e in os.scandir(folder) if e.is_dir())
    if len(classes) < 2:
        found = f"only the class folder {classes[0]!r}" if classes else "no class sub-folders"
        raise DataError(f"{folder} has {found}; a classifier needs >= 2: lay images out as "
                        f"{folder}/<class>/<image>.png")
    files: list[Path] = []
    labels: list[int] = []
    for label, cls in enumerate(classes):
        names = sorted(e.name for e in os.scandir(folder / cls)
                       if e.is_file() and os.path.splitext(e.name)[1].lower() in IMAGE_SUFFIXES)
        files += [folder / cls / n for n in names]
        labels += [label] * len(names)
    if not files:
        raise DataError(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in its class folders")
    return _Tree(folder, files, np.array(labels, np.int64), classes)


def _resize(im, size: int, resize: str):
    """A PIL image brought to ``size``² pixels (bilinear, antialiased as torchvision's Resize)."""
    from PIL import Image, ImageOps

    if im.size == (size, size):
        return im
    if resize == "crop":
        return ImageOps.fit(im, (size, size), method=Image.Resampling.BILINEAR)
    return im.resize((size, size), Image.Resampling.BILINEAR)


def _check_resize(resize: str) -> None:
    if resize not in RESIZE_MODES:
        raise DataError(f"unknown data.resize={resize!r}; choose crop (shorter side, centre cut) or squash")


def _decode(path: Path, size: int, resize: str) -> np.ndarray:
    """One image as ``(H, W)`` grey or ``(H, W, 3)`` RGB uint8, brought to ``size``² if ``size``."""
    im = read_image(path)  # the guarded decoder: corrupt, empty and oversized files are one DataError
    im = im.convert("L" if im.mode in ("1", "L", "I", "F") else "RGB")
    return np.asarray(_resize(im, size, resize) if size else im)


def resize_images(x: np.ndarray, size: int, resize: Literal["crop", "squash"] = "crop") -> np.ndarray:
    """``(N, C, H, W)`` images (uint8 or float) brought to ``(N, C, size, size)``, channel by channel.

    Examples:
        >>> x = np.zeros((2, 3, 32, 48), np.uint8)
        >>> resize_images(x, 16).shape, resize_images(x, 16, "squash").dtype
        ((2, 3, 16, 16), dtype('uint8'))
    """
    from PIL import Image

    _check_resize(resize)
    out = np.empty((*x.shape[:2], size, size), np.float32)
    for i, image in enumerate(x):
        for c, channel in enumerate(image):
            out[i, c] = np.asarray(_resize(Image.fromarray(channel.astype(np.float32), "F"), size, resize))
    if x.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(x.dtype, copy=False)


def _decode_chunk(job: tuple[list[Path], int, str]) -> list[np.ndarray | str]:
    paths, size, resize = job
    out: list[np.ndarray | str] = []
    for p in paths:
        try:
            out.append(_decode(p, size, resize))
        except DataError as exc:
            out.append(str(exc))
    return out


def _decode_all(files: list[Path], size: int, resize: str, where: Path) -> Iterator[np.ndarray | str]:
    """Each file's image (or why it could not be read), in order, as the worker processes deliver them."""
    jobs = [(files[i:i + _CHUNK], size, resize) for i in range(0, len(files), _CHUNK)]
    workers = 0 if len(files) >= _PARALLEL_FROM else 1
    n_proc = fork_processes(len(jobs), workers)
    print(f"imagefolder: decoding {len(files):,} images under {where} in {n_proc} process"
          f"{'es' if n_proc > 1 else ''}; cached for the next run", file=sys.stderr, flush=True)
    results = fork_map(_decode_chunk, jobs, workers)
    if sys.stderr.isatty():
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(jobs), unit="chunk", file=sys.stderr, dynamic_ncols=True, leave=False)
    return (item for chunk in results for item in chunk)


def _stack(tree: _Tree, decoded: Iterable[np.ndarray | str], path: Path | None, *,
           skip_bad: bool) -> tuple[np.ndarray, np.ndarray, list[str], dict[tuple[int, int], int]]:
    """``(N, C, H, W)`` uint8 images (written to ``path`` as they are decoded, if given), their labels, the
    files skipped as unreadable and how many images had each size (one size: all were kept)."""
    stack = ImageStack(len(tree.files), path)
    bad: list[tuple[Path, str]] = []
    for i, (f, item) in enumerate(zip(tree.files, decoded, strict=True)):
        if isinstance(item, str):
            bad.append((f, item))
        else:
            stack.add(i, item)
    if bad and not skip_bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise DataError(f"{bad[0][1]}{more}; fix or remove it, or pass data.skip_bad=true to leave unreadable "
                        "images out")
    if not stack.sizes:
        raise DataError(f"no image under {tree.root} could be read; check the files")
    x, keep = stack.finish()
    return x, tree.labels[keep], [str(f) for f, _ in bad], stack.sizes


def _one_size(folder: Path, sizes: dict[tuple[int, int], int]) -> None:
    if len(sizes) > 1:
        common = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
        listed = ", ".join(f"{h}x{w}: {n:,}" for (h, w), n in common[:3])
        raise DataError(f"images under {folder} differ in size ({listed}{', ...' if len(common) > 3 else ''}); "
                        f"pass data.image_size={min(common[0][0])} to resize them (data.resize=crop or squash)")


def _cache_folder(folder: Path, size: int, resize: str) -> Path:
    name = hashlib.sha256(f"{folder.resolve()}|{size}|{resize}".encode()).hexdigest()[:20]
    return cache_dir() / "imagefolder" / name


def _read_cache(where: Path, key: str) -> dict[str, np.ndarray] | None:
    try:
        if (where / "key.txt").read_text() != key:
            return None
        # the images memory-mapped: pages are read when used, and a folder larger than memory still loads
        return {f.stem: np.load(f, allow_pickle=False, mmap_mode="r" if f.stem.startswith("x_") else None)
                for f in where.glob("*.npy") if not f.name.startswith(".")}
    except (OSError, ValueError):
        return None


def _cant_cache(where: Path, exc: OSError) -> None:
    print(f"imagefolder: could not cache the decoded images in {where} ({exc.strerror}); "
          "the next run decodes them again", file=sys.stderr)


def _clear_cache(where: Path) -> Path | None:
    """An empty cache folder to decode into, or None (decode into memory) if it cannot be made."""
    try:
        if where.exists():
            shutil.rmtree(where)
        where.mkdir(parents=True)
        return where
    except OSError as exc:  # a read-only or full cache folder costs time, never the run
        _cant_cache(where, exc)
        return None


def _write_cache(where: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Arrays first, the key last: a run killed half-way leaves a cache that does not match, never a wrong one.
    Images already decoded into a file of the folder (under a hidden name) are renamed, the rest saved."""
    try:
        for name, arr in arrays.items():  # each file whole or absent: another process may read meanwhile
            tmp = where / f".{name}.{os.getpid()}.npy"
            decoded = Path(arr.filename) if isinstance(arr, np.memmap) and arr.filename else None
            if decoded is not None and decoded.parent.resolve() == where.resolve():
                tmp = decoded
            else:
                np.save(tmp, arr, allow_pickle=False)
            os.replace(tmp, where / f"{name}.npy")
        atomic_write_text(where / "key.txt", key)
    except OSError as exc:
        _cant_cache(where, exc)


def _load_trees(trees: dict[str, _Tree], folder: Path, size: int, resize: str,
                skip_bad: bool) -> dict[str, np.ndarray]:
    key = "\n".join([f"v{CACHE_VERSION} size={size} resize={resize}",
                     *(f"{part} {tree.fingerprint()}" for part, tree in trees.items())])
    where = _cache_folder(folder, size, resize)
    cached = _read_cache(where, key)
    if cached is not None and (skip_bad or not len(cached["skipped"])):
        return cached
    staging = _clear_cache(where)
    arrays: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    sizes: dict[tuple[int, int], int] = {}
    for part, tree in trees.items():
        decoded = _decode_all(tree.files, size, resize, tree.root)
        path = staging / f".x_{part}.{os.getpid()}.npy" if staging is not None else None  # straight to disk
        arrays[f"x_{part}"], arrays[f"y_{part}"], bad, seen = _stack(tree, decoded, path, skip_bad=skip_bad)
        skipped += bad
        sizes = {s: sizes.get(s, 0) + seen.get(s, 0) for s in sizes.keys() | seen.keys()}
    _one_size(folder, sizes)
    if len({arrays[f"x_{p}"].shape[1:] for p in trees}) > 1:
        shapes = ", ".join(f"{p} {arrays[f'x_{p}'].shape[1:]}" for p in trees)
        raise DataError(f"{folder}: train and test images differ in colour ({shapes}): one part is grey, the other "
                        "colour; convert one of them so that both are grey or both colour")
    arrays["skipped"] = np.array(skipped, dtype=np.str_)
    if skipped:
        print(f"imagefolder: left out {len(skipped):,} unreadable image{'s' if len(skipped) > 1 else ''} "
              f"(data.skip_bad=true), e.g. {skipped[0]}", file=sys.stderr)
    if staging is not None:
        _write_cache(where, key, arrays)
    return _read_cache(where, key) or arrays  # from the cache: memory-mapped, as in the next run


def load_image_folder(path: str, root: str | Path | None = None, *, download: bool = False, image_size: int = 0,
                      resize: Literal["crop", "squash"] = "crop", skip_bad: bool = False) -> Dataset:
    """Images in ``PATH/<class>/*.png`` (torchvision ImageFolder layout).

    If ``PATH/train`` and ``PATH/test`` exist they are used as given; otherwise 20 % of the images
    are held out as the test set (stratified, seed 0). ``image_size`` (``data.image_size``) brings
    every image to ``image_size``² pixels the ``resize`` way; without it all must be one size.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataError(f"image folder {folder} not found; pass imagefolder:PATH with PATH/<class>/<image>")
    _check_resize(resize)
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        trees = {"train": _scan(folder / "train"), "test": _scan(folder / "test")}
        if trees["test"].classes != trees["train"].classes:
            raise DataError(f"{folder}/test has classes {trees['test'].classes}, train has "
                            f"{trees['train'].classes}; make them match")
    else:  # split before decoding, so that each part is decoded straight into its own file
        whole = _scan(folder)
        counts = np.bincount(whole.labels, minlength=len(whole.classes))
        if counts.min() < 2:
            fewest = int(counts.argmin())
            raise DataError(f"{folder / whole.classes[fewest]} holds {counts[fewest]} image(s); a folder without "
                            "train/ and test/ is split 80/20 within each class, which needs at least 2 images "
                            "per class folder")
        tr, te = stratified_split(whole.labels, test_fraction=0.2, seed=0)
        trees = {"train": whole.subset(tr), "test": whole.subset(te)}
    a = _load_trees(trees, folder, image_size, resize, skip_bad)
    return Dataset(f"imagefolder:{folder}", a["x_train"], a["y_train"], a["x_test"], a["y_test"],
                   tuple(trees["train"].classes), source=str(folder), skipped=tuple(str(s) for s in a["skipped"]))
