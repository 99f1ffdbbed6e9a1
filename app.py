"""`python app.py`: GAN Playground's Gradio app (also the Hugging Face Spaces entry point)."""
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from gan_demo.ui import LAUNCH_OPTIONS, build_demo  # noqa: E402  (the setting must precede gradio's import)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
demo = build_demo()

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=4).launch(show_error=True, **LAUNCH_OPTIONS)
