"""Calling the app's endpoints as the browser does: POST /gradio_api/call/NAME, then read the event stream."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent


def call(url: str, endpoint: str, data: list, timeout: float = 60) -> tuple[bool, object, float]:
    """(succeeded, output or error message, seconds) for one call of ``endpoint`` (no leading slash)."""
    started = time.perf_counter()
    request = urllib.request.Request(f"{url.rstrip('/')}/gradio_api/call/{endpoint}",
                                     data=json.dumps({"data": data}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event_id = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url.rstrip('/')}/gradio_api/call/{endpoint}/{event_id}",
                                timeout=timeout) as stream:
        event = None
        for raw in stream:
            line = raw.decode().strip()
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = line.split(":", 1)[1].strip()
                return event == "complete", json.loads(payload) if payload else None, time.perf_counter() - started
    return False, "stream ended without a result", time.perf_counter() - started


@dataclass
class RunningApp:
    url: str
    pid: int
    start_seconds: float  # from launching the process to its first answered request (cold start)
    log: Path  # the server's stderr, kept while it runs

    def last_words(self, lines: int = 15) -> str:
        """The end of the server's stderr: why it failed requests, or died, when it did."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running_app(timeout: float = 180, script: Path = ROOT / "app.py", env: dict | None = None):
    """``python app.py`` (or ``script``) in its own process, as users start it (so the client here never shares
    its GIL), with ``env`` added to the environment; yields a RunningApp once it answers HTTP, stops it afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, **(env or {}), GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port))
    handle, name = tempfile.mkstemp(prefix="app-stderr-", suffix=".log")
    log = Path(name)
    with os.fdopen(handle, "wb") as stderr:
        server = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        deadline = started + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/gradio_api/info", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"app.py did not start (exit code {server.poll()}):\n"
                                       f"{log.read_text(errors='replace')[-3000:]}") from None
                time.sleep(0.25)
        yield RunningApp(url, server.pid, time.monotonic() - started, log)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.unlink()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def upload(url: str, image, name: str = "image.png", timeout: float = 60) -> dict:
    """Upload a PIL image as the browser does (POST /gradio_api/upload); the FileData value that references it."""
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    boundary = "gan-playground-bench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + buffer.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/gradio_api/upload", data=body,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        path = json.loads(response.read())[0]
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def marked(image, variant: int, bits: int = 20):
    """``image`` (an 8-bit mode: L, RGB or RGBA; at least ``bits`` px wide) with the ``bits`` low bits of
    ``variant`` written into its bottom row (a set bit flips the lowest bit of that pixel's values), so each variant
    is a different file, as distinct users' uploads are."""
    image = image.copy()
    for bit in range(bits):
        if variant >> bit & 1:
            xy = (bit, image.height - 1)
            pixel = image.getpixel(xy)
            image.putpixel(xy, pixel ^ 1 if isinstance(pixel, int) else tuple(value ^ 1 for value in pixel))
    return image


def sketch_image(variant: int = 0):
    """A 512 px test drawing (a face); each ``variant`` (up to 2**20) is a different file: it moves the mouth and
    marks its bits along the bottom edge."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (512, 512), "white")
    pen = ImageDraw.Draw(image)
    pen.ellipse((100, 100, 400, 400), outline="black", width=8)
    shift = variant % 40
    pen.arc((180, 200 + shift, 330, 330 + shift), 20, 160, fill="black", width=8)
    return marked(image, variant)


def sketch_payload(url: str, variant: int = 0) -> dict:
    """Upload a drawn test sketch to the server and return the Sketchpad value referencing it."""
    file = upload(url, sketch_image(variant), "sketch.png")
    return {"background": file, "layers": [], "composite": file}


def example_image(folder: str, name: str, size: int):
    """One of the app's example pictures, ``size`` px on its longer side, as RGB."""
    from pathlib import Path

    from PIL import Image

    image = Image.open(Path(__file__).parent.parent / "gan_demo" / "ui" / "examples" / folder / name).convert("RGB")
    image.thumbnail((size, size))
    return image


def bench_photo():
    """The super-resolution request's input: a 128 px photo (the issue's measure)."""
    return example_image("photos", "chelsea.png", 128)


def bench_emoji():
    """The CycleGAN request's input: a held-out OpenMoji emoji at 128 px."""
    return example_image("emoji-styles", "openmoji-1F3B8.png", 128)


def mixed_requests(url: str) -> list[tuple[str, list]]:
    """One request of each kind the app serves, with the first shipped model of each kind."""
    import gan_demo

    requests = []
    for name in gan_demo.list_models("dcgan")[:1]:
        requests += [("dcgan_sample", [name, 3, 1.0]), ("dcgan_latent", [name, 3, 1.0] + [0.5] * 8 + [0.0] * 8)]
    for name in gan_demo.list_models("cgan")[:1]:
        requests += [("cgan_sample", [name, "7", 3]), ("cgan_grid", [name, 3])]
    for name in gan_demo.list_models("pix2pix")[:1]:
        requests += [("pix2pix_translate", [name, sketch_payload(url)])]
    for name in gan_demo.list_models("infogan")[:1]:
        requests += [("infogan_sample", [name, 3, 1, 0.5, 0.0])]
    for name in gan_demo.list_models("stylegan")[:1]:
        requests += [("style_mix", [name, 1, 2, 0, 3, 1.0])]
    for name in gan_demo.list_models("cyclegan")[:1]:
        requests += [("cyclegan_translate", [name, upload(url, bench_emoji(), "emoji.png"), "AtoB"])]
    for name in gan_demo.list_models("srgan")[:1]:
        requests += [("superres", [name, upload(url, bench_photo(), "photo.png")])]
    return requests
