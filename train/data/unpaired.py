"""Unpaired data for CycleGAN, as uint8 tensors: two piles of images, A (N, C, S, S) and B (M, C, S, S), and
nothing that pairs them for training.

- ``openmoji-twemoji``: OpenMoji's colour emoji (A) and Twemoji's (B), both rendered from SVG on white. The
  held-out split is OpenMoji's (``is_openmoji_test``), applied to both sets through a shared code key, so no
  emoji held out in one style is trained on in the other. Its test split is the true pairs: the held-out emoji
  both sets draw, in the same order in A and B. Country flags and skin-tone variants are left out of both.
- a folder in the reference layout ``trainA/ trainB/ testA/ testB/``;
- ``download_unpaired(NAME)`` fetches a reference CycleGAN archive (horse2zebra, monet2photo, ...).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
import torch

from .core import DataError, cache_dir, save_tensor
from .folders import load_image_folder
from .openmoji import OPENMOJI_CREDIT, is_flag, is_openmoji_test, openmoji_codes, render_colour
from .pairs import SKIN_TONE
from .streaming import StreamedFolder
from .twemoji import TWEMOJI_CREDIT, render_twemoji, twemoji_codes

log = logging.getLogger(__name__)

EMOJI_DATA = "openmoji-twemoji"
# The archives of the reference CycleGAN repository's download script. Its cityscapes is not on the server
# (licence): that one is prepared by hand from cityscapes-dataset.com.
CYCLEGAN_DATASETS = ("apple2orange", "summer2winter_yosemite", "horse2zebra", "monet2photo", "cezanne2photo",
                     "ukiyoe2photo", "vangogh2photo", "maps", "facades", "iphone2dslr_flower", "ae_photos",
                     "grumpifycat")
CYCLEGAN_DATASETS_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets"
URL_VARIABLE = "GAN_PLAYGROUND_CYCLEGAN_URL"  # overrides the server, like GAN_PLAYGROUND_PIX2PIX_URL for pix2pix
DOWNLOAD_TIMEOUT_S = 60
VARIATION_SELECTOR = "FE0F"  # emoji presentation: spelled by OpenMoji, mostly not by Twemoji; same emoji


@dataclass
class UnpairedData:
    a: torch.Tensor  # uint8 (N, C, S, S)
    b: torch.Tensor  # uint8 (M, C, S, S)
    domains: tuple[str, str] = ("A", "B")
    source: str = ""
    credit: str = ""

    def __len__(self) -> int:
        """An epoch visits every image of the larger pile once."""
        return max(len(self.a), len(self.b))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.a.shape[1:])

    def to(self, device) -> "UnpairedData":
        return UnpairedData(self.a.to(device), self.b.to(device), self.domains, self.source, self.credit)


def load_unpaired(name: str, image_size: int, split: str = "train", limit: int | None = None) -> UnpairedData:
    """Resolve a CycleGAN --data value; ``limit`` keeps the first N images of each pile (emoji: renders only
    those)."""
    if name == EMOJI_DATA:
        return load_emoji(image_size, split, limit)
    if Path(name).is_dir():
        data = load_unpaired_folder(Path(name), image_size, split)
        data.a, data.b = data.a[:limit], data.b[:limit]
        return data
    raise DataError(f"--data {name!r}: expected {EMOJI_DATA} or a folder with trainA/ trainB/ testA/ testB/ "
                    f"(--download one of {', '.join(CYCLEGAN_DATASETS)})")


# --- OpenMoji -> Twemoji ---------------------------------------------------------------------------------------

def code_key(hexcode: str) -> str:
    """One spelling for an emoji's code points in both sets: uppercase hex, at least four digits, "-" between
    them, U+FE0F dropped. The zero-width joiner (200D) stays: it is part of what a sequence means, and no two
    emoji of either set differ by it alone."""
    parts = (part.upper().lstrip("0").zfill(4) for part in hexcode.split("-"))
    return "-".join(part for part in parts if part != VARIATION_SELECTOR)


def is_kept(hexcode: str) -> bool:
    """Country flags are out (as everywhere in the project), and so are skin-tone variants: five recolourings
    of one drawing each, they would make people about half of both piles and of the test pairs."""
    key = code_key(hexcode)
    return not is_flag(key) and not SKIN_TONE.search(key)


def held_out_keys(openmoji: list[str], twemoji: list[str]) -> set[str]:
    """Keys of OpenMoji's held-out split; an emoji OpenMoji lacks is held out when its key itself hashes into
    the split, so the rule is the same for every code point."""
    openmoji_keys = {code_key(code) for code in openmoji}
    held = {code_key(code) for code in openmoji if is_openmoji_test(code)}
    return held | {key for key in map(code_key, twemoji) if key not in openmoji_keys and is_openmoji_test(key)}


def emoji_codes(openmoji: list[str], twemoji: list[str], split: str) -> tuple[list[str], list[str]]:
    """The file codes of each pile. 'train': every kept emoji of each set whose key is not held out, in the
    given order. 'test': the held-out keys both sets draw, sorted, so ``a[i]`` and ``b[i]`` are one emoji."""
    held = held_out_keys(openmoji, twemoji)
    kept_a = {code_key(code): code for code in openmoji if is_kept(code)}
    kept_b = {code_key(code): code for code in twemoji if is_kept(code)}
    if split == "test":
        keys = sorted(held & kept_a.keys() & kept_b.keys())
        return [kept_a[key] for key in keys], [kept_b[key] for key in keys]
    return ([code for key, code in kept_a.items() if key not in held],
            [code for key, code in kept_b.items() if key not in held])


def all_openmoji_codes() -> list[str]:
    return sorted(openmoji_codes("train") + openmoji_codes("test"))


def load_emoji(image_size: int, split: str, limit: int | None = None) -> UnpairedData:
    """Rendered once and cached as a tensor file per split and size."""
    path = cache_dir() / f"openmoji-twemoji-v2-{split}-{image_size}{f'-first{limit}' if limit else ''}.pt"
    if path.exists():
        a, b = torch.load(path, weights_only=True).values()
    else:
        a, b = render_emoji(image_size, split, limit)
        save_tensor(path, {"a": a, "b": b})
    what = f"{len(a)} true pairs" if split == "test" else f"{len(a)} OpenMoji, {len(b)} Twemoji"
    return UnpairedData(a, b, ("OpenMoji", "Twemoji"), credit=f"{OPENMOJI_CREDIT}; {TWEMOJI_CREDIT}",
                        source=f"OpenMoji and Twemoji {split} split ({what}; country flags and skin-tone "
                               "variants excluded)")


def render_emoji(image_size: int, split: str, limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    codes_a, codes_b = emoji_codes(all_openmoji_codes(), twemoji_codes(), split)
    a = [render_colour(code, image_size) for code in codes_a[:limit]]
    b = [render_twemoji(code, image_size) for code in codes_b[:limit]]
    kept_a, kept_b = drop_unrendered(a, b, aligned=split == "test")
    log.info("rendered %d OpenMoji and %d Twemoji (%d and %d failed to render and were skipped)",
             len(kept_a), len(kept_b), len(a) - len(kept_a), len(b) - len(kept_b))
    return to_tensor(kept_a), to_tensor(kept_b)


def drop_unrendered(a: list, b: list, aligned: bool) -> tuple[list, list]:
    """Leave out the images cairosvg could not render; ``aligned`` piles lose both images of a pair."""
    if aligned:
        pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
        return [x for x, _ in pairs], [y for _, y in pairs]
    return [x for x in a if x is not None], [y for y in b if y is not None]


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()


# --- folders in the reference layout ---------------------------------------------------------------------------

def load_unpaired_folder(folder: Path, image_size: int, split: str) -> UnpairedData:
    """``{split}A/`` and ``{split}B/`` of the folder, each image centre-cropped to a square and resized."""
    a = read_domain(folder / f"{split}A", image_size)
    b = read_domain(folder / f"{split}B", image_size)
    return UnpairedData(a, b, folder_domains(folder),
                        source=f"unpaired folders {folder}/{split}A ({len(a)} images) and {split}B ({len(b)})")


def read_domain(folder: Path, image_size: int) -> torch.Tensor:
    if not folder.is_dir():
        raise DataError(f"--data {folder.parent}: no {folder.name}/ there; an unpaired dataset has "
                        "trainA/ trainB/ testA/ testB/")
    data = load_image_folder(folder, image_size, 3)
    if isinstance(data, StreamedFolder):
        raise DataError(f"{folder}: {len(data)} images at {image_size}px would not fit in memory; use a smaller "
                        "--image-size or raise GAN_PLAYGROUND_PRELOAD_BYTES")
    return data.images


def folder_domains(folder: Path) -> tuple[str, str]:
    """The domain names of an ``X2Y`` folder (horse2zebra: horse, zebra), else A and B."""
    match = re.fullmatch(r"([A-Za-z_]+)2([A-Za-z_]+)", folder.name)
    return match.groups() if match else ("A", "B")


# --- the reference datasets ------------------------------------------------------------------------------------

def download_unpaired(name: str, root: Path | None = None, base_url: str | None = None) -> Path:
    """Fetch and unpack a reference CycleGAN archive (once); returns the folder holding trainA/ ...
    ``base_url`` None: $GAN_PLAYGROUND_CYCLEGAN_URL, else the reference server."""
    if name not in CYCLEGAN_DATASETS:
        raise DataError(f"--download {name!r}: choose one of {', '.join(CYCLEGAN_DATASETS)}")
    root = Path(root) if root else cache_dir() / "unpaired-datasets"
    folder = root / name
    if folder.is_dir():
        return folder
    url = f"{(base_url or os.environ.get(URL_VARIABLE, CYCLEGAN_DATASETS_URL)).rstrip('/')}/{name}.zip"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=root) as work:  # beside folder: one rename away
        archive = Path(work) / f"{name}.zip"
        fetch(url, archive, folder)
        unpacked = Path(work) / "unpacked"
        extract_zip(archive, unpacked)
        os.replace(dataset_root(unpacked, name, url), folder)
    return folder


def fetch(url: str, destination: Path, folder: Path) -> None:
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, destination.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
        raise DataError(f"could not download {url} (are you offline?): {error}. To get it by hand, download "
                        f"that file and unzip it so that {folder}/trainA exists, then pass that folder as --data"
                        ) from None


def extract_zip(archive: Path, destination: Path) -> None:
    """Unpack everything, after refusing the whole archive if any member would land outside ``destination``."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            unsafe = [name for name in zipped.namelist() if is_unsafe_member(name)]
            if unsafe:
                raise DataError(f"{archive.name} was not unpacked: member {unsafe[0]!r} would land outside "
                                "the dataset folder")
            zipped.extractall(destination)
    except zipfile.BadZipFile as error:
        raise DataError(f"{archive.name} is not a readable zip archive: {error}") from None


def is_unsafe_member(name: str) -> bool:
    """An absolute path, a drive, or a ``..`` step, in either slash convention."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or bool(PureWindowsPath(name).drive)


def dataset_root(unpacked: Path, name: str, url: str) -> Path:
    """The reference archives hold ``NAME/trainA/ ...``; an archive of the split folders alone is taken too."""
    for candidate in (unpacked / name, unpacked):
        if any((candidate / f"{split}A").is_dir() for split in ("train", "test")):
            return candidate
    raise DataError(f"{url} holds no {name}/trainA/ or {name}/testA/ folder")
