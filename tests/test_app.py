"""The app's HTTP API through the real Gradio client, against a launched server with the shipped models."""
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import gan_demo

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server():
    from gan_demo.ui import LAUNCH_OPTIONS, build_demo

    demo = build_demo()
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, show_error=True,
                            max_file_size="20mb", **LAUNCH_OPTIONS)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def first(kind):
    names = gan_demo.list_models(kind)
    if not names:
        pytest.skip(f"no shipped {kind} model")
    return names[0]


def read(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_dcgan_sample_is_deterministic_and_at_model_size(client):
    name = first("dcgan")
    size = gan_demo.load(name).image_size
    a = read(client.predict(name, 5, 1.0, api_name="/dcgan_sample"))
    b = read(client.predict(name, 5, 1.0, api_name="/dcgan_sample"))
    c = read(client.predict(name, 6, 1.0, api_name="/dcgan_sample"))
    assert a.shape[:2] == (size, size)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_dcgan_latent_slider_changes_the_image(client):
    name = first("dcgan")
    zeros = read(client.predict(name, 5, 1.0, *[0.0] * 8, api_name="/dcgan_latent"))
    moved = read(client.predict(name, 5, 1.0, 2.5, *[0.0] * 7, api_name="/dcgan_latent"))
    assert not np.array_equal(zeros, moved)


def test_cgan_sample_and_grid(client):
    name = first("cgan")
    seven = read(client.predict(name, "7", 3, api_name="/cgan_sample"))
    three = read(client.predict(name, "3", 3, api_name="/cgan_sample"))
    assert not np.array_equal(seven, three)
    grid = read(client.predict(name, 3, api_name="/cgan_grid"))
    assert grid.shape[1] > 9 * seven.shape[1]


def test_interpolate_returns_a_strip_and_a_gif_with_the_asked_frames(client):
    name = first("dcgan")
    strip, gif = client.predict(name, 1, 2, 7, api_name="/interpolate")
    with Image.open(gif) as animation:
        assert animation.n_frames == 7
    assert read(strip).shape[1] > 6 * gan_demo.load(name).image_size


def sketch_file(tmp_path, draw=True, size=(512, 512)):
    image = Image.new("RGB", size, "white")
    if draw:
        from PIL import ImageDraw

        pen = ImageDraw.Draw(image)
        pen.ellipse((100, 100, 400, 400), outline="black", width=8)
        pen.arc((180, 200, 330, 330), 20, 160, fill="black", width=8)
    path = tmp_path / "sketch.png"
    image.save(path)
    return str(path)


def editor_value(path):
    return {"background": handle_file(path), "layers": [], "composite": handle_file(path)}


def test_pix2pix_translate_colours_a_drawing(client, tmp_path):
    name = first("pix2pix")
    output, hint = client.predict(name, editor_value(sketch_file(tmp_path)), api_name="/pix2pix_translate")
    pixels = read(output)
    assert hint == "" and pixels.shape[0] == pixels.shape[1]
    spread = pixels.astype(int).max(axis=2) - pixels.astype(int).min(axis=2)
    assert spread.max() > 40  # not a greyscale copy of the input


def test_empty_canvas_gets_a_hint_not_an_error(client, tmp_path):
    output, hint = client.predict(first("pix2pix"), editor_value(sketch_file(tmp_path, draw=False)),
                                  api_name="/pix2pix_translate")
    assert output is None and "empty" in hint


HOSTILE = [
    ("/dcgan_sample", lambda: ("../../etc/passwd", 1, 1.0), "not in the list of choices|unknown"),
    ("/dcgan_sample", lambda: (first("dcgan"), -5, 1.0), "seed"),
    ("/dcgan_sample", lambda: (first("dcgan"), 2**70, 1.0), "seed"),
    ("/dcgan_sample", lambda: (first("dcgan"), 1, 7.0), "truncation"),
    ("/cgan_sample", lambda: (first("cgan"), "11", 1), "not in the list of choices|unknown label"),
    ("/interpolate", lambda: (first("dcgan"), 1, 2, 500), "frames"),
]


@pytest.mark.parametrize("endpoint, arguments, message", HOSTILE)
def test_hostile_input_gets_a_clear_message_and_the_server_keeps_serving(client, endpoint, arguments, message):
    with pytest.raises(Exception) as caught:
        client.predict(*arguments(), api_name=endpoint)
    assert re.search(message, str(caught.value), re.IGNORECASE), str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert client.predict(first("dcgan"), 1, 1.0, api_name="/dcgan_sample")


def test_bytes_that_are_not_an_image_are_refused_clearly(client, tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"this is not a png" * 100)
    with pytest.raises(Exception) as caught:
        client.predict(first("pix2pix"), editor_value(str(fake)), api_name="/pix2pix_translate")
    assert "not an image" in str(caught.value)


def test_readme_documents_exactly_the_public_endpoints(client):
    documented = set(re.findall(r"^### `(/\w+)`", (ROOT / "README.md").read_text(), re.MULTILINE))
    public = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert documented == public
