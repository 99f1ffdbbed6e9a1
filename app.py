"""`python app.py`: GAN Playground's Gradio app (also the Hugging Face Spaces entry point).

It also serves every named endpoint as a tool of an MCP server at /gradio_api/mcp (an assistant can "draw a 7",
"colour this sketch" or ask "how real is this image").
"""
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
if os.environ.get("SPACES_ZERO_GPU"):
    import spaces  # noqa: F401  (ZeroGPU: imported before torch initialises CUDA, as the package requires)

from gan_demo.ui import LAUNCH_OPTIONS, QUEUE_OPTIONS, build_demo  # noqa: E402  (after the settings above)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
demo = build_demo()

if __name__ == "__main__":
    demo.queue(**QUEUE_OPTIONS).launch(show_error=True, mcp_server=True, **LAUNCH_OPTIONS)
