"""`python app.py`: GAN Playground's Gradio app (also the Hugging Face Spaces entry point).

It also serves every named endpoint as a tool of an MCP server at /gradio_api/mcp (an assistant can "draw a 7",
"colour this sketch" or ask "how real is this image").
"""
import ctypes
import ctypes.util
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
try:  # glibc, before torch and gradio allocate: threads share at most 2 arenas, else freed memory stays stranded in
    # per-thread heaps and resident memory creeps up under sustained traffic (bench/load.py). Blocks up to 64 MB come
    # from those heaps and stay resident for reuse once freed (only more than 64 MB free at a heap's top goes back):
    # a 4x upscale's activations (4-32 MB each for a 128 px photo) are then not mapped afresh and page-faulted on every
    # request (at a 4 MB threshold the fast model's upscale took 0.56 s instead of 0.41 s). The price: the server
    # settles 0.2-0.4 GB higher (README, Benchmarks). A glibc that refuses a threshold over 32 MB (half its largest
    # thread heap) gets 32 MB, not the 128 KB the trim setting would pin otherwise. Nothing to do without glibc.
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _libc.mallopt(-8, 2)  # M_ARENA_MAX
    if not _libc.mallopt(-3, 64 << 20):  # M_MMAP_THRESHOLD
        _libc.mallopt(-3, 32 << 20)
    _libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
except (OSError, AttributeError):
    pass
if os.environ.get("SPACES_ZERO_GPU"):
    import spaces  # noqa: F401  (ZeroGPU: imported before torch initialises CUDA, as the package requires)

from gan_demo.ui import LAUNCH_OPTIONS, QUEUE_OPTIONS, build_demo  # noqa: E402  (after the settings above)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
demo = build_demo()

if __name__ == "__main__":
    demo.queue(**QUEUE_OPTIONS).launch(show_error=True, mcp_server=True, **LAUNCH_OPTIONS)
