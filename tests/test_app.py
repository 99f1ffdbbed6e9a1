"""The app's HTTP API through the real Gradio client, against a launched server with the shipped models."""
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import gan_demo
from helpers import launched_app

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo():
    with launched_app(show_error=True, mcp_server=True) as (demo, url):
        demo.test_url = url
        yield demo


@pytest.fixture(scope="module")
def server(demo):
    return demo.test_url


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def first(kind):
    names = gan_demo.list_models(kind)
    if not names:
        pytest.skip(f"no shipped {kind} model")
    return names[0]


DIGITS = "mnist-cgan"  # the tests that ask for a "7" need the digits model, whichever model the tab shows first


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


def test_cgan_labels_come_as_numbers_text_or_class_names_for_every_model(client):
    """A script sends 7 or "7"; a class name works for a model that is not the one the page shows first."""
    assert read(client.predict(DIGITS, 7, 3, api_name="/cgan_sample")).tobytes() == \
        read(client.predict(DIGITS, "7", 3, api_name="/cgan_sample")).tobytes()
    for name in gan_demo.list_models("cgan"):
        classes = gan_demo.load(name).classes
        by_name = read(client.predict(name, classes[-1], 4, api_name="/cgan_sample"))
        assert by_name.tobytes() == read(client.predict(name, len(classes) - 1, 4, api_name="/cgan_sample")).tobytes()
        strip, _ = client.predict(name, classes[0], classes[-1], 4, 3, api_name="/interpolate_labels")
        assert read(strip).shape[1] > read(strip).shape[0]


def test_dcgan_latent_slider_changes_the_image(client):
    name = first("dcgan")
    zeros = read(client.predict(name, 5, 1.0, *[0.0] * 8, api_name="/dcgan_latent"))
    moved = read(client.predict(name, 5, 1.0, 2.5, *[0.0] * 7, api_name="/dcgan_latent"))
    assert not np.array_equal(zeros, moved)


def test_cgan_sample_and_grid(client):
    name = DIGITS
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
    ("/dcgan_sample", lambda: (first("dcgan"), -5, 1.0), "seed|minimum value"),
    ("/dcgan_sample", lambda: (first("dcgan"), 2**70, 1.0), "seed"),
    ("/dcgan_sample", lambda: (first("dcgan"), 1, 7.0), "truncation|maximum value"),
    ("/cgan_sample", lambda: (DIGITS, "11", 1), "unknown label"),
    ("/interpolate", lambda: (first("dcgan"), 1, 2, 500), "frames|maximum value"),
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
    assert re.search("not an image|cannot identify image file", str(caught.value))


def test_readme_documents_exactly_the_public_endpoints(client):
    documented = set(re.findall(r"^### `(/\w+)`", (ROOT / "README.md").read_text(), re.MULTILINE))
    public = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert documented == public


def odd_image(tmp_path, name, make):
    path = tmp_path / name
    make().save(path)
    return str(path)


ODD_UPLOADS = {
    "one-pixel.png": lambda: Image.new("RGB", (1, 1), "black"),
    "rgba.png": lambda: Image.new("RGBA", (200, 120), (0, 0, 0, 0)),
    "grey.png": lambda: Image.new("L", (64, 300), 255),
    "palette.png": lambda: Image.new("RGB", (90, 90), "white").convert("P"),
    "sixteen-bit.png": lambda: Image.fromarray(np.full((50, 70), 40000, dtype=np.uint16)),
    "huge.png": lambda: Image.new("L", (6000, 6000), 255),
}


@pytest.mark.parametrize("name", list(ODD_UPLOADS))
def test_odd_uploads_get_a_result_or_a_clear_message(client, tmp_path, name):
    path = odd_image(tmp_path, name, ODD_UPLOADS[name])
    try:
        output, note = client.predict(first("pix2pix"), handle_file(path), api_name="/pix2pix_upload")
        assert output is not None or note  # an image, or a hint such as "the canvas is empty"
    except Exception as error:  # a refusal must say why
        assert re.search("limit|empty|not an image|cannot identify", str(error)), str(error)
    assert client.predict(first("dcgan"), 1, 1.0, api_name="/dcgan_sample")


@pytest.mark.parametrize("seed", ["NaN", "Infinity", "-Infinity", "1e400", "\"seven\""])
def test_non_numbers_over_raw_http_are_refused_and_the_server_keeps_serving(server, seed):
    import json
    import urllib.error
    import urllib.request

    body = '{"data": ["%s", %s, 1.0]}' % (first("dcgan"), seed)
    request = urllib.request.Request(f"{server}gradio_api/call/dcgan_sample", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            event_id = json.loads(response.read())["event_id"]
        with urllib.request.urlopen(f"{server}gradio_api/call/dcgan_sample/{event_id}", timeout=30) as stream:
            text = stream.read().decode()
        assert "event: error" in text and "Traceback" not in text
    except urllib.error.HTTPError as error:
        assert error.code in (400, 422)
    from bench.http_calls import call

    ok, _, _ = call(server, "dcgan_sample", [first("dcgan"), 1, 1.0])
    assert ok


def test_realness_prefers_the_models_own_digits_to_noise(client, tmp_path):
    name = DIGITS
    digit = client.predict(name, "7", 11, api_name="/cgan_sample")
    noise = odd_image(tmp_path, "noise.png", lambda: Image.fromarray(
        np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)))
    real_score = client.predict(name, handle_file(digit), "7", api_name="/realness")
    noise_score = client.predict(name, handle_file(noise), "7", api_name="/realness")
    assert 0 <= noise_score < real_score <= 1


def test_api_calls_do_not_copy_the_whole_app_into_their_sessions(demo, server):
    """Each raw API call is a new Gradio session; a snapshot of every component in each was half the call's
    time and the memory that grew per request (gan_demo/ui/sessions.py). This fails if Gradio changes so."""
    from bench.http_calls import call

    before = set(demo.state_holder.session_data)
    for seed in range(5):
        assert call(server, "dcgan_sample", [first("dcgan"), seed, 1.0])[0]
    sessions = [state for key, state in demo.state_holder.session_data.items() if key not in before]
    assert len(sessions) == 5
    assert len(demo.blocks) > 100
    assert max(len(session.config_values) for session in sessions) <= 10  # the components events updated


def test_the_mcp_server_lists_the_apps_tools_with_their_descriptions(server):
    """`python app.py` serves every named endpoint as an MCP tool; its schema carries the docstrings."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server}gradio_api/mcp/schema", timeout=30) as response:
        tools = {tool["name"]: tool for tool in json.loads(response.read())}
    for name in ("cgan_sample", "dcgan_sample", "pix2pix_translate", "realness", "interpolate_labels"):
        assert name in tools, sorted(tools)
    assert "give it a 7" in tools["cgan_sample"]["description"]
    assert "label" in json.dumps(tools["cgan_sample"]["inputSchema"])


def test_every_endpoint_has_a_docstring_and_type_hints(demo):
    """What the "Use via API" page and the MCP tools show; a named endpoint without them would be opaque."""
    import inspect

    named = [fn for fn in demo.fns.values() if fn.api_name and fn.api_visibility == "public"]
    assert len(named) >= 10
    for fn in named:
        handler = inspect.unwrap(fn.fn)
        hints = inspect.signature(handler).parameters
        assert handler.__doc__ and "Args:" in handler.__doc__, fn.api_name
        assert all(p.annotation is not inspect.Parameter.empty for p in hints.values()), fn.api_name


def test_the_digit_tabs_open_on_mnist_and_the_colouriser_on_its_palette_model(demo):
    """A newcomer meets the seeds' own examples first ("give it a 7"), not whichever name sorts first."""
    import gradio as gr

    pickers = [block for block in demo.blocks.values() if isinstance(block, gr.Dropdown) and block.label == "Model"]
    for wanted in ("mnist-cgan", "mnist-infogan", "openmoji-pix2pix-palette"):
        if wanted not in gan_demo.list_models():
            continue
        picker = next(p for p in pickers if wanted in [value for _, value in p.choices])
        assert picker.value == wanted


def test_toy_gan_trains_the_original_gan_on_points(client):
    plot, summary = client.predict("ring", "non-saturating", 300, 0, api_name="/toy_gan")
    assert read(plot).shape[:2] == (420, 420)
    assert "Step 300" in summary and "of 8 modes" in summary
    _, untrained = client.predict("ring", "non-saturating", 0, 0, api_name="/toy_gan")
    assert "Step 0" in untrained and "none yet" in untrained and "nan" not in untrained  # no loss before a move
    with pytest.raises(Exception, match="steps"):
        client.predict("ring", "minimax", 10**6, 0, api_name="/toy_gan")


def test_infogan_sample_keeps_z_and_moves_with_its_codes(client):
    name = first("infogan")
    base = read(client.predict(name, 5, 3, 0.0, 0.0, api_name="/infogan_sample"))
    assert base.tobytes() == read(client.predict(name, 5, 3, 0.0, 0.0, api_name="/infogan_sample")).tobytes()
    assert base.tobytes() != read(client.predict(name, 5, 7, 0.0, 0.0, api_name="/infogan_sample")).tobytes()
    assert base.tobytes() != read(client.predict(name, 5, 3, 2.0, 0.0, api_name="/infogan_sample")).tobytes()


def test_style_mix_ends_are_the_two_seeds_and_the_middle_is_neither(client):
    name = first("stylegan")
    layers = gan_demo.load(name).num_layers
    only_a = read(client.predict(name, 1, 2, 0, 0, 1.0, api_name="/style_mix"))
    only_b = read(client.predict(name, 1, 2, 0, layers, 1.0, api_name="/style_mix"))
    coarse = read(client.predict(name, 1, 2, 0, 3, 1.0, api_name="/style_mix"))
    assert only_a.tobytes() == read(client.predict(name, 2, 1, 0, layers, 1.0, api_name="/style_mix")).tobytes()
    assert len({only_a.tobytes(), only_b.tobytes(), coarse.tobytes()}) == 3
    with pytest.raises(Exception, match="layers must be"):
        client.predict(name, 1, 2, 5, 2, 1.0, api_name="/style_mix")


def test_cyclegan_translates_both_ways_at_any_size(client, tmp_path):
    name = first("cyclegan")
    example = sorted((ROOT / "gan_demo" / "ui" / "examples" / "emoji-styles").glob("openmoji-*.png"))[0]
    there = read(client.predict(name, handle_file(str(example)), "AtoB", api_name="/cyclegan_translate"))
    assert there.shape[:2] == (gan_demo.load(name).image_size,) * 2 and there.std() > 10
    wide = odd_image(tmp_path, "wide.png", lambda: Image.new("RGBA", (300, 100), (200, 30, 30, 255)))
    back = read(client.predict(name, handle_file(wide), "BtoA", api_name="/cyclegan_translate"))
    assert back.shape[1] == gan_demo.load(name).image_size and abs(back.shape[1] / back.shape[0] - 3) < 0.2
    with pytest.raises(Exception, match="direction|not in the list of choices"):
        client.predict(name, handle_file(wide), "sideways", api_name="/cyclegan_translate")


def test_superres_returns_the_models_upscale_losslessly_and_reduces_huge_uploads(client, tmp_path):
    name = first("srgan")
    photo = ROOT / "gan_demo" / "ui" / "examples" / "photos" / "coffee.png"
    with Image.open(photo) as image:
        expected = gan_demo.load(name).upscale(image)
    served = client.predict(name, handle_file(str(photo)), api_name="/superres")
    assert np.array_equal(read(served), np.asarray(expected))  # lossless, and nothing else is done to it
    fast_png = io.BytesIO()
    expected.save(fast_png, format="PNG", compress_level=1)
    assert Path(served).read_bytes() == fast_png.getvalue()  # the file png_files wrote, not encoded again by Gradio
    huge = odd_image(tmp_path, "huge.png", lambda: Image.new("RGB", (3000, 1500), "grey"))
    assert read(client.predict(name, handle_file(huge), api_name="/superres")).shape[:2] == (512, 1024)


def test_superres_blend_runs_from_the_faithful_model_to_the_gan_model_and_refuses_what_cannot_blend(client):
    ends = ("photo-srresnet", "photo-srgan-sharp")
    if not {*ends, "photo-srgan", "photo-srgan-fast"} <= set(gan_demo.list_models("srgan")):
        pytest.skip("the super-resolution models are not shipped")
    photo = handle_file(str(ROOT / "gan_demo" / "ui" / "examples" / "photos" / "chelsea.png"))

    def blend(detail, faithful=ends[0]):
        return read(client.predict(faithful, ends[1], detail, photo, api_name="/superres_blend"))
    assert np.array_equal(blend(0.0), read(client.predict(ends[0], photo, api_name="/superres")))
    assert np.array_equal(blend(0.85), read(client.predict("photo-srgan", photo, api_name="/superres")))
    for detail, message in ((1.5, "greater than maximum value 1"), (-0.2, "less than minimum value 0")):
        with pytest.raises(Exception, match=message):
            blend(detail)
    with pytest.raises(Exception, match="photo-srgan-fast is not in the list of choices"):
        blend(0.5, faithful="photo-srgan-fast")


def test_a_stylegan_in_the_latent_view_truncates_in_w_and_follows_its_z_sliders(client):
    name = first("stylegan")
    average = [read(client.predict(name, seed, 0.0, api_name="/dcgan_sample")) for seed in (1, 2)]
    assert average[0].tobytes() == average[1].tobytes()  # psi = 0: every seed gives the average style's image
    drawn = [read(client.predict(name, seed, 1.0, api_name="/dcgan_sample")) for seed in (1, 2)]
    assert drawn[0].tobytes() != drawn[1].tobytes()
    moved = read(client.predict(name, 1, 1.0, 2.5, *[0.0] * 15, api_name="/dcgan_latent"))
    assert moved.tobytes() != drawn[0].tobytes()


def test_the_first_drawings_gallery_shows_exactly_what_the_colouriser_is_measured_on():
    from gan_demo.ui.pix2pix_tab import first_drawings
    from train.tools.emoji_metrics import DRAWINGS, drawing

    shown = {path.stem: path for path in first_drawings()}
    assert set(shown) == set(DRAWINGS)
    for name, path in shown.items():
        assert np.array_equal(np.asarray(Image.open(path)), np.asarray(drawing(name, "wobbly"))), name
