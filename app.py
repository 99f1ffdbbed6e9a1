"""`python app.py`: GAN Playground's Gradio app (also the Hugging Face Spaces entry point).

It also serves every named endpoint as a tool of an MCP server at /gradio_api/mcp (an assistant can "draw a 7",
"colour this sketch" or ask "how real is this image").
"""
import ctypes
import ctypes.util
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
try:  # glibc, before torch and gradio allocate: blocks over 4 MB (large activations) are mapped on their own and
    # unmapped when freed, and threads share at most 2 arenas; else freed memory stays stranded in malloc's heaps and
    # resident memory creeps up under sustained traffic (bench/load.py). A lower threshold (256 KB) kept memory as
    # flat but cost /superres 0.35 s of page faults on freshly mapped activations. Nothing to do without glibc.
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _libc.mallopt(-3, 4 << 20)  # M_MMAP_THRESHOLD
    _libc.mallopt(-8, 2)  # M_ARENA_MAX
except (OSError, AttributeError):
    pass
if os.environ.get("SPACES_ZERO_GPU"):
    import spaces  # noqa: F401  (ZeroGPU: imported before torch initialises CUDA, as the package requires)

from gan_demo.ui import LAUNCH_OPTIONS, QUEUE_OPTIONS, build_demo  # noqa: E402  (after the settings above)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
demo = build_demo()

if __name__ == "__main__":
    demo.queue(**QUEUE_OPTIONS).launch(show_error=True, mcp_server=True, **LAUNCH_OPTIONS)
