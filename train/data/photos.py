"""Real photographs for super-resolution, and the held-out test photographs.

- ``photos``: the photographs among Debian's wallpaper packages (listed in WALLPAPER_PHOTOS with each package's
  licence; drawings and abstract renders are left out), resized so the long side is at most PHOTO_LONG_SIDE and
  cached in ``cache_dir()`` as PNG bytes (about 12 MB): that one file is enough to train on a machine without the
  packages (copy it there and point GAN_PLAYGROUND_CACHE at its folder);
- a folder: every image under it, resized the same way (not cached);
- the test set: scikit-image's bundled photographs (``held_out_photos``), never trained on.

Training pairs are cut from these photos on the training device, per batch: ``crop_batch`` takes random
high-resolution crops (with the 8 flips and rotations), and ``bicubic_downscale`` makes their low-resolution
inputs, quantised to 8 bits as a real small image is.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from .core import IMAGE_SUFFIXES, DataError, cache_dir, save_tensor

log = logging.getLogger(__name__)

PHOTO_LONG_SIDE = 640  # keeps the cache file near 12 MB as PNG; downscaling also cleans JPEG noise off the originals
CACHE_NAME = f"srgan-photos-v1-{PHOTO_LONG_SIDE}.pt"
CROPS_PER_EPOCH = 16_000  # an "epoch" of random crops: 1,000 steps of 16 (the loop saves at each epoch's end unless --save-every)

MATE = "/usr/share/backgrounds/mate/nature/{}.jpg"
PLASMA = "/usr/share/wallpapers/{}/contents/images/2560x1600.jpg"
LOMIRI = "/usr/share/backgrounds/{}.jpg"
# package -> (licence as its /usr/share/doc/PACKAGE/copyright states it, the photographs used)
WALLPAPER_PHOTOS = {
    "mate-backgrounds": ("GPL-2+ (MATE Desktop artwork; photographers named in the package's copyright file)", [
        MATE.format(n) for n in ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird",
                                 "RainDrops", "Storm", "TwoWings", "Wood", "YellowFlower")]),
    "plasma-workspace-wallpapers": ("GPL-2+ (2014 KDE Visual Design Group)", [
        PLASMA.format(n) for n in ("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow",
                                   "FallenLeaf", "Grey", "OneStandsOut", "Path", "summer_1am")]),
    "lomiri-wallpapers-20.04": ("CC-BY-SA-3.0 (Kleiber, 2021 Lukas Baubkus)", [
        LOMIRI.format("Kleiber_by_Lukas_Baubkus")]),
    "lomiri-wallpapers-16.04": (
        ("CC-BY-4.0 (Aitzol Berasategi, Trevor 'Freespace', Jakub Mede), CC-BY-SA-4.0 (Sander Klootwijk, 'Bolly', "
         "Peter Nerlich), CC0-1.0 (Clemens Engelhardt)"), [
            LOMIRI.format(n) for n in (
                "Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "Picture_0B_by_freespace",
                "Picture_1A_by_freespace", "Wine_by_Jakkub_Mede", "aitzgorri_by_Aitzol_Berasategi",
                "free_by_Peter_Nerlich", "friends_by_Aitzol_Berasategi", "greentock_by_Peter_Nerlich",
                "life_by_Aitzol_Berasategi", "picosdeeuropa_by_Aitzol_Berasategi",
                "seeding_by_Clements_Engelhardt", "sunset_by_Aitzol_Berasategi")]),
}
PHOTOS_CREDIT = ("Photographs from Debian's wallpaper packages: " + "; ".join(
    f"{package}: {licence}" for package, (licence, _) in WALLPAPER_PHOTOS.items()))
# scikit-image's bundled photographs (greyscale ones as RGB): the super-resolution test set
TEST_PHOTOS = ("astronaut", "camera", "chelsea", "coffee", "rocket", "motorcycle")


@dataclass
class PhotoCrops:
    """Photos of different sizes, top-left aligned on one zero-padded uint8 canvas so a batch of crops is one
    gather on the training device. ``len`` is the number of crops an epoch draws, not the number of photos."""

    photos: torch.Tensor  # uint8 (N, 3, H_max, W_max)
    sizes: torch.Tensor  # int64 (N, 2): each photo's own (height, width)
    crops_per_epoch: int = CROPS_PER_EPOCH
    source: str = ""
    credit: str = ""

    def __len__(self) -> int:
        return self.crops_per_epoch

    def to(self, device) -> "PhotoCrops":
        return PhotoCrops(self.photos.to(device), self.sizes.to(device), self.crops_per_epoch, self.source,
                          self.credit)


def load_photos(name: str, crop_size: int, crops_per_epoch: int = CROPS_PER_EPOCH) -> PhotoCrops:
    """``photos`` (the wallpaper photographs) or an image folder, as a PhotoCrops; photos smaller than
    ``crop_size`` on either side are left out."""
    if name == "photos":
        images = [decode(data) for data in wallpaper_png_bytes()]
        source, credit = f"{len(images)} photographs from Debian's wallpaper packages", PHOTOS_CREDIT
    elif Path(name).is_dir():
        images, source, credit = folder_photos(Path(name)), f"image folder {name}", ""
    else:
        raise DataError(f"--data {name!r}: expected photos or an existing image folder")
    usable = [image for image in images if min(image.shape[:2]) >= crop_size]
    if not usable:
        raise DataError(f"--data {name}: no photo of at least {crop_size} px on each side")
    if len(usable) < len(images):
        log.info("left out %d photos smaller than the %d px crop", len(images) - len(usable), crop_size)
    return pack(usable, crops_per_epoch, f"{source} ({len(usable)} used, long side <= {PHOTO_LONG_SIDE} px)", credit)


def pack(images: list[np.ndarray], crops_per_epoch: int, source: str, credit: str) -> PhotoCrops:
    height, width = max(i.shape[0] for i in images), max(i.shape[1] for i in images)
    canvas = torch.zeros(len(images), 3, height, width, dtype=torch.uint8)
    for index, image in enumerate(images):
        canvas[index, :, :image.shape[0], :image.shape[1]] = torch.from_numpy(image).permute(2, 0, 1)
    sizes = torch.tensor([image.shape[:2] for image in images], dtype=torch.int64)
    return PhotoCrops(canvas, sizes, crops_per_epoch, source, credit)


def wallpaper_png_bytes() -> list[bytes]:
    """The wallpaper photographs as PNG files, from the cache, else decoded from the packages and cached."""
    path = cache_dir() / CACHE_NAME
    if path.exists():
        return [bytes(t.numpy()) for t in torch.load(path, weights_only=True)["png"]]
    files = [Path(f) for _, files in WALLPAPER_PHOTOS.values() for f in files]
    present = [f for f in files if f.exists()]
    if not present:
        packages = " ".join(WALLPAPER_PHOTOS)
        raise DataError(f"--data photos: neither the cache file {path} nor the wallpaper packages are here; "
                        f"apt-get install {packages}, or copy {CACHE_NAME} from a machine that has them into "
                        "GAN_PLAYGROUND_CACHE")
    if len(present) < len(files):
        log.warning("%d of %d wallpaper photographs are missing (packages not installed?): using the rest",
                    len(files) - len(present), len(files))
    encoded = [encode(resized(read_rgb(f))) for f in present]
    save_tensor(path, {"png": [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in encoded],
                       "files": [str(f) for f in present]})
    return encoded


def folder_photos(folder: Path) -> list[np.ndarray]:
    images = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            images.append(np.array(resized(read_rgb(path))))
        except (UnidentifiedImageError, OSError) as error:
            log.warning("skipping %s: %s", path, error)
    if not images:
        raise DataError(f"--data {folder}: no readable images ({', '.join(sorted(IMAGE_SUFFIXES))}) in that folder")
    return images


def read_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def resized(image: Image.Image) -> Image.Image:
    """Long side at most PHOTO_LONG_SIDE (Lanczos); smaller photos are kept as they are."""
    factor = PHOTO_LONG_SIDE / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.array(image.convert("RGB"))


def crop_batch(data: PhotoCrops, count: int, size: int) -> torch.Tensor:
    """``count`` random ``size`` x ``size`` crops (uint8, (count, 3, size, size)) on the data's device: a uniform
    photo, a uniform position inside it, and one of the 8 flips / 90-degree rotations."""
    device = data.photos.device
    picks = torch.randint(0, len(data.photos), (count,), device=device)
    room = data.sizes[picks] - size + 1  # (count, 2): how many positions fit
    tops = (torch.rand(count, device=device) * room[:, 0]).long()
    lefts = (torch.rand(count, device=device) * room[:, 1]).long()
    offsets = torch.arange(size, device=device)
    rows, cols = tops[:, None] + offsets, lefts[:, None] + offsets
    crops = data.photos[picks[:, None, None], :, rows[:, :, None], cols[:, None, :]]  # (count, size, size, 3)
    crops = crops.permute(0, 3, 1, 2)
    flips = torch.rand(count, 3, device=device) < 0.5
    crops = torch.where(flips[:, 0, None, None, None], crops.flip(-1), crops)
    crops = torch.where(flips[:, 1, None, None, None], crops.flip(-2), crops)
    crops = torch.where(flips[:, 2, None, None, None], crops.transpose(-1, -2), crops)
    return crops.contiguous()


def bicubic_downscale(images: torch.Tensor, scale: int) -> torch.Tensor:
    """(N, C, H, W) in [-1, 1] -> (N, C, H/scale, W/scale): antialiased bicubic (as PIL's BICUBIC resize), then
    rounded to 8-bit levels, as the small images users upscale are."""
    small = F.interpolate(images.float(), scale_factor=1 / scale, mode="bicubic", antialias=True,
                          align_corners=False)
    return small.add(1).mul(127.5).round().clamp(0, 255).div(127.5).sub(1)


def held_out_photos() -> dict[str, np.ndarray]:
    """scikit-image's bundled photographs, name -> uint8 (H, W, 3), cropped to multiples of 4 (the test set)."""
    try:
        from skimage import data as skimage_data
    except ImportError:
        raise DataError("the super-resolution test set is scikit-image's photographs: pip install scikit-image") \
            from None
    photos = {}
    for name in TEST_PHOTOS:
        image = skimage_data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(skimage_data, name)()
        image = np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[:, :, :3]
        photos[name] = np.ascontiguousarray(image[:image.shape[0] // 4 * 4, :image.shape[1] // 4 * 4])
    return photos
