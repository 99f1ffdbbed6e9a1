"""Large output images written as fast PNG files into Gradio's cache (gan_demo/ui/png_files.py)."""
from pathlib import Path

import numpy as np
from PIL import Image

from gan_demo.ui.png_files import png_file


def photo_like(seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (96, 128, 3), dtype=np.uint8))


def test_a_png_file_is_lossless_inside_gradios_cache_and_written_once(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    image = photo_like(0)
    path = Path(png_file(image, "upscaled"))
    assert path.name == "upscaled.png" and path.parent.parent == tmp_path
    with Image.open(path) as written:
        assert written.format == "PNG" and np.array_equal(np.asarray(written), np.asarray(image))
    assert png_file(image.copy(), "upscaled") == str(path)  # the same pixels: the same file, not a second one
    assert png_file(photo_like(1), "upscaled") != str(path)
    assert not list(tmp_path.rglob("*.tmp"))  # no partial file is left beside them


def test_a_png_file_deleted_by_the_cache_clean_up_is_written_again(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    path = Path(png_file(photo_like(2)))
    path.unlink()
    assert png_file(photo_like(2)) == str(path) and path.is_file()
