"""The bad-input corpus: files a careless or hostile user hands goodfit, generated on the spot.

Each case is a command line (``{ws}`` stands for the case's workspace, ``{run}`` for a copy of a
finished run) and a ``make`` that lays out its files. Every case must end in one line that says what
to do. The builders write small files only: a "decompression bomb" is a PNG that *claims* 900
million pixels, not one that holds them.
"""

from __future__ import annotations

import gzip
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from helpers import DATA_ROOT

__all__ = ["Case", "CASES", "png_bytes"]

MNIST_RAW = "mnist/MNIST/raw"
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    make: Callable[[Path], None] = lambda ws: None
    damage: str | None = None  # a key of RUN_BREAKS: the case works on a damaged copy of a finished run
    may_work: bool = False  # goodfit may recover (e.g. the checkpoint holds the config); never a traceback


def png_bytes(width: int, height: int, *, bit_depth: int = 8, rows: bytes | None = None) -> bytes:
    """A grey PNG written by hand, so its header can claim any size (PIL would allocate it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    raw = rows if rows is not None else b"\0" * (1 + width * bit_depth // 8)  # one row; the rest missing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- IDX (MNIST-style) files


def _mnist_root(ws: Path, broken: str, data: bytes, *, gz: bool = True) -> None:
    """A data root whose MNIST has three good files (linked to the real ones) and one ``broken``."""
    raw = ws / "root" / MNIST_RAW
    raw.mkdir(parents=True)
    for name in IDX_FILES:
        if name != broken:
            (raw / name).symlink_to(DATA_ROOT / MNIST_RAW / name)
    (raw / broken).write_bytes(gzip.compress(data) if gz else data)


def _idx_header(dtype: int, dims: tuple[int, ...]) -> bytes:
    return bytes([0, 0, dtype, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)


IMAGES = IDX_FILES[0]
IDX_CASES = [
    Case("idx-wrong-magic", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, b"PK\x03\x04" + bytes(100))),
    Case("idx-truncated", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, _idx_header(8, (60000, 28, 28)) + bytes(1000))),
    Case("idx-dims-past-end", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, bytes([0, 0, 8, 200]) + bytes(12))),
    Case("idx-dims-overflow", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, _idx_header(8, (2**32 - 1,) * 4) + bytes(16))),
    Case("idx-count-mismatch", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, _idx_header(8, (7, 28, 28)) + bytes(7 * 784))),
    Case("idx-bad-dtype", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]))),
    Case("gzip-corrupt", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, b"\x1f\x8b\x08\x00" + bytes(40), gz=False)),
    Case("gzip-truncated", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, gzip.compress(_idx_header(8, (10, 28, 28)) + bytes(7840))[:30], gz=False)),
    Case("gzip-zero-bytes", ("explore", "mnist", "--data-root", "{ws}/root", "--out", "{ws}/out"),
         lambda ws: _mnist_root(ws, IMAGES, b"", gz=False)),
    Case("idx-missing-offline", ("explore", "mnist", "--data-root", "{ws}/empty", "--out", "{ws}/out"),
         lambda ws: (ws / "empty").mkdir()),
]


# --------------------------------------------------------------------------- image folders


def _image_tree(ws: Path, odd: dict[str, bytes] | None = None, *, per_class: int = 3) -> None:
    from PIL import Image

    for cls in ("a", "b"):
        folder = ws / "imgs" / cls
        folder.mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(np.full((8, 8), 40 * i, np.uint8)).save(folder / f"{i}.png")
    for name, data in (odd or {}).items():
        (ws / "imgs" / "a" / name).write_bytes(data)


IMG = ("explore", "imagefolder:{ws}/imgs", "--out", "{ws}/out")
IMAGE_CASES = [
    Case("image-not-an-image", IMG, lambda ws: _image_tree(ws, {"x.png": b"hello, I am text"})),
    Case("image-zero-bytes", IMG, lambda ws: _image_tree(ws, {"x.png": b""})),
    Case("image-bomb", IMG, lambda ws: _image_tree(ws, {"x.png": png_bytes(30000, 30000)})),
    Case("image-truncated", IMG, lambda ws: _image_tree(ws, {"x.png": png_bytes(8, 8)[:40]})),
    Case("image-folder-missing", ("explore", "imagefolder:{ws}/nowhere", "--out", "{ws}/out")),
    Case("image-folder-is-file", IMG, lambda ws: (ws / "imgs").write_text("x")),
    Case("image-folder-no-classes", IMG, lambda ws: (ws / "imgs").mkdir()),
    Case("image-folder-empty-classes", IMG, lambda ws: [(ws / "imgs" / c).mkdir(parents=True) for c in "ab"]),
    Case("image-folder-one-image", IMG, lambda ws: _image_tree(ws, per_class=1)),
    Case("image-folder-one-class", IMG, lambda ws: (_image_tree(ws), shutil.rmtree(ws / "imgs" / "b"))),
]


# --------------------------------------------------------------------------- CSV tables


def _csv(text: str | bytes) -> Callable[[Path], None]:
    def make(ws: Path) -> None:
        (ws / "t.csv").write_bytes(text if isinstance(text, bytes) else text.encode())
    return make


def _rows(n: int, label: Callable[[int], object], extra: str = "") -> str:
    return "a,b,label\n" + "".join(f"{i % 7},{(i * 3) % 5}{extra},{label(i)}\n" for i in range(n))


CSV = ("explore", "csv:{ws}/t.csv", "--out", "{ws}/out")
CSV_TRAIN = ("train", "data.name=csv:{ws}/t.csv", "train.epochs=1", "out_dir={ws}/runs")
CSV_CASES = [
    Case("csv-missing", CSV),
    Case("csv-empty", CSV, _csv("")),
    Case("csv-header-only", CSV, _csv("a,b,label\n")),
    Case("csv-one-row", CSV, _csv("a,b,label\n1,2,0\n")),
    Case("csv-text-values", CSV, _csv(_rows(40, lambda i: i % 2).replace("3,", "three,", 1))),
    Case("csv-nan", CSV, _csv(_rows(40, lambda i: i % 2).replace("\n3,", "\nnan,", 1))),
    Case("csv-inf", CSV_TRAIN, _csv(_rows(40, lambda i: i % 2).replace("\n3,", "\ninf,", 1))),
    Case("csv-no-header", CSV, _csv(_rows(40, lambda i: i % 2).split("\n", 1)[1])),
    Case("csv-float-labels", CSV_TRAIN, _csv(_rows(40, lambda i: i / 7))),
    Case("csv-unique-labels", CSV_TRAIN, _csv(_rows(40, lambda i: i))),
    Case("csv-one-class", CSV_TRAIN, _csv(_rows(40, lambda i: 1))),
    Case("csv-ragged", CSV, _csv(_rows(40, lambda i: i % 2) + "1,2,3,4,5\n")),
    Case("csv-binary", CSV, _csv(bytes(range(256)) * 8)),
    Case("csv-latin1", CSV, _csv(b"a,b,label\n" + "ä,1,0\n".encode("latin-1") * 10)),
    Case("csv-label-only", CSV, _csv("label\n" + "0\n1\n" * 20)),
]


# --------------------------------------------------------------------------- configs and run folders


def _truncate(rel: str, keep: int = 100) -> Callable[[Path], None]:
    def breaks(folder: Path) -> None:
        f = folder / rel
        f.write_bytes(f.read_bytes()[:keep])
    return breaks


def _write(rel: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / rel).write_bytes(data)


def _remove(rel: str) -> Callable[[Path], None]:
    return lambda folder: (folder / rel).unlink()


RUN_BREAKS = {
    "truncated-best": _truncate("checkpoints/best.pt"),
    "zero-best": _truncate("checkpoints/best.pt", 0),
    "garbage-best": _write("checkpoints/best.pt", b"not a checkpoint at all" * 50),
    "no-best": _remove("checkpoints/best.pt"),
    "garbage-config": _write("config.yaml", b"\x00\xff\xfe binary"),
    "config-not-mapping": _write("config.yaml", b"- a list\n- not a mapping\n"),
    "config-unknown-key": _write("config.yaml", b"nonsense_key: 3\n"),
    "no-config": _remove("config.yaml"),
    "truncated-history": _truncate("history.csv", 20),
    "garbage-metrics": _write("metrics.json", b"{\"test\": [1, 2"),
}

RUN_COMMANDS = {
    "evaluate": ("evaluate", "{ws}/run"),
    "predict": ("predict", "{ws}/run", "{ws}/digit.png"),
    "export": ("export", "{ws}/run", "--format", "torchscript", "--out", "{ws}/export"),
    "resume": ("train", "--resume", "{ws}/run"),
    "report": ("report", "{ws}/run"),
}

# which command meets which damage (a report reads history and metrics; the others the checkpoint)
RUN_PAIRS = [(c, b) for c in ("evaluate", "predict", "export", "resume")
             for b in RUN_BREAKS if b not in ("truncated-history", "garbage-metrics")]
# a checkpoint holds its run's config, so these need no config.yaml; a report notes what it could not read
RECOVERS = {(c, b) for c in ("evaluate", "predict", "export")
            for b in ("garbage-config", "config-not-mapping", "config-unknown-key", "no-config")}
RECOVERS |= {("report", b) for b in ("truncated-history", "garbage-metrics", "garbage-config")}
RUN_PAIRS += [("report", b) for b in ("garbage-config", "truncated-history", "garbage-metrics", "no-config")]

CONFIG_CASES = [
    Case("config-binary-file", ("check", "--config", "{ws}/c.yaml"),
         lambda ws: (ws / "c.yaml").write_bytes(bytes(range(256)))),
    Case("config-missing", ("check", "--config", "{ws}/none.yaml")),
    Case("config-is-folder-without-config", ("check", "--config", "{ws}"), lambda ws: None),
    Case("config-bad-yaml", ("check", "--config", "{ws}/c.yaml"), _csv(b"a: [1, 2\n")),
    Case("config-deep-yaml", ("check", "--config", "{ws}/c.yaml"),
         lambda ws: (ws / "c.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")),
    Case("config-wrong-type", ("check", "--config", "{ws}/c.yaml"), _csv(b"train: 5\n")),
    Case("override-no-equals", ("check", "optim.lr")),
    Case("override-unknown", ("check", "optim.lrr=3")),
    Case("override-section", ("check", "optim=3")),
    Case("run-missing", ("evaluate", "{ws}/nowhere")),
    Case("run-is-file", ("evaluate", "{ws}/f"), lambda ws: (ws / "f").write_text("x")),
    Case("run-empty-folder", ("evaluate", "{ws}/e"), lambda ws: (ws / "e").mkdir()),
    Case("resume-missing", ("train", "--resume", "{ws}/nowhere")),
    Case("resume-empty-folder", ("train", "--resume", "{ws}/e"), lambda ws: (ws / "e").mkdir()),
    Case("run-dir-exists", ("train", "--run-dir", "{ws}/e", "data.name=digits"),
         lambda ws: ((ws / "e").mkdir(), (ws / "e" / "notes.txt").write_text("mine"))),
    Case("predict-not-an-image", ("predict", "{run}", "{ws}/x.png"), lambda ws: (ws / "x.png").write_text("text")),
    Case("predict-bomb", ("predict", "{run}", "{ws}/x.png"),
         lambda ws: (ws / "x.png").write_bytes(png_bytes(9000, 9000))),
    Case("predict-csv-into-image-model", ("predict", "{run}", "{ws}/t.csv"), _csv("a,b\n1,2\n")),
    Case("evaluate-bad-split", ("evaluate", "{run}", "--split", "bogus")),
    Case("export-bad-format", ("export", "{run}", "--format", "bogus", "--out", "{ws}/e")),
    Case("export-out-is-file", ("export", "{run}", "--format", "torchscript", "--out", "{ws}/f"),
         lambda ws: (ws / "f").write_text("x")),
    Case("serve-missing-run", ("serve", "{ws}/nowhere", "--port", "0")),
    Case("run-path-non-ascii-missing", ("evaluate", "{ws}/läufe mit leerzeichen/ü")),
    Case("predict-top-k-zero", ("predict", "{run}", "{ws}/digit.png", "--top-k", "0"), lambda ws: _digit(ws)),
    Case("predict-missing-file", ("predict", "{run}", "{ws}/none.png")),
    Case("train-seeds-zero", ("train", "--seeds", "0", "data.name=digits")),
    Case("train-bad-device", ("train", "train.device=bogus", "data.name=digits", "out_dir={ws}/runs")),
    Case("train-cuda-missing", ("train", "train.device=cuda", "data.name=digits", "out_dir={ws}/runs")),
    Case("train-out-dir-is-file", ("train", "data.name=digits", "out_dir={ws}/f"),
         lambda ws: (ws / "f").write_text("x")),
]


def _digit(ws: Path) -> None:
    from PIL import Image

    Image.fromarray(np.eye(28, dtype=np.uint8) * 255).save(ws / "digit.png")


def run_cases() -> list[Case]:
    """Every (command, damage) pair, each on its own damaged copy of a finished run."""
    return [Case(f"run-{damage}-{command}", RUN_COMMANDS[command], _digit, damage,
                 may_work=(command, damage) in RECOVERS) for command, damage in RUN_PAIRS]


CASES = IDX_CASES + IMAGE_CASES + CSV_CASES + CONFIG_CASES + run_cases()
