"""Large output images written as fast PNG files into Gradio's cache (gan_demo/ui/png_files.py)."""
import os
from pathlib import Path

import numpy as np
from PIL import Image

from gan_demo.ui.png_files import png_file


def photo_like(seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (96, 128, 3), dtype=np.uint8))


def test_a_png_file_is_lossless_inside_the_cache_and_written_once(tmp_path):
    image = photo_like(0)
    path = Path(png_file(image, str(tmp_path), "upscaled"))
    assert path.name == "upscaled.png" and path.parent.parent == tmp_path
    with Image.open(path) as written:
        assert written.format == "PNG" and np.array_equal(np.asarray(written), np.asarray(image))
    assert png_file(image.copy(), str(tmp_path), "upscaled") == str(path)  # the same pixels: the same file
    assert png_file(photo_like(1), str(tmp_path), "upscaled") != str(path)
    assert not list(tmp_path.rglob("*.tmp"))  # no partial file is left beside them


def test_a_png_file_handed_out_again_restarts_its_age_and_is_rewritten_once_deleted(tmp_path):
    path = Path(png_file(photo_like(2), str(tmp_path)))
    os.utime(path, (1_000_000, 1_000_000))  # as if written long ago: next in line for the cache clean-up
    png_file(photo_like(2), str(tmp_path))
    assert path.stat().st_mtime > 1_000_000
    path.unlink()
    assert png_file(photo_like(2), str(tmp_path)) == str(path) and path.is_file()
