"""Large output images as PNG files, compressed for speed.

Given a PIL image, Gradio encodes it at PNG's default zlib level (6): for the 512 px photo of a 4x upscale that is
about 0.12 s on a 2-core CPU, a sixth to a quarter of the model's own work. At level 1 the same photo takes about
0.02 s and is 12 % larger, still lossless. Returned as a path inside the output component's cache folder, the file is
served as it is (not copied, not encoded again) and ages out with the rest of the cache
(``gr.Blocks(delete_cache=...)``).
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from gradio.processing_utils import hash_bytes
from PIL import Image

from ..atomic import write_bytes

COMPRESS_LEVEL = 1


def png_file(image: Image.Image, cache: str, name: str = "image") -> str:
    """The path of ``image`` saved as ``name``.png under ``cache`` (the output component's ``GRADIO_CACHE``), in a
    folder named by Gradio's own (seeded, so unguessable) hash of its bytes: the same image is written once."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=COMPRESS_LEVEL)
    data = buffer.getvalue()
    path = Path(cache) / hash_bytes(data) / f"{name}.png"
    try:
        os.utime(path)  # handed out again: restart its age, or the cache clean-up could delete it before it is fetched
    except FileNotFoundError:
        write_bytes(path, data, durable=False)  # a concurrent request for the same image never reads half a file
    return str(path)
