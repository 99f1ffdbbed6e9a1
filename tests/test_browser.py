"""A real browser (Debian's chromium driven by Playwright) uses the app as a person would."""
import io
import shutil

import numpy as np
import pytest
from PIL import Image

import gan_demo
from helpers import launched_app

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Debian's chromium is not installed (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def app_url():
    with launched_app() as (_, url):
        yield url


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def open_app(browser, url, first_image="#dcgan-image"):
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(url)
    page.wait_for_selector(f"{first_image} img", timeout=60_000)
    return page


@pytest.fixture
def page(browser, app_url):
    return open_app(browser, app_url)


def image_source(page, selector):
    image = page.locator(f"{selector} img")
    return image.get_attribute("src") if image.count() else None


def click_slider(page, slider, fraction):
    """Click a slider's track at ``fraction`` of its width, as a person drags it there (once it has stopped moving:
    a slider in an opening accordion slides down while it opens)."""
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] * fraction, "y": box["height"] / 2})


def wait_for_new_image(page, selector, old, timeout=30_000):
    page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel + ' img'); return i && i.src && i.src !== old; }",
        arg=[selector, old], timeout=timeout)
    return image_source(page, selector)


def test_drawing_on_the_canvas_colours_it_in(page, tmp_path):
    page.get_by_role("tab", name="Pix2Pix").click()
    canvas = page.locator("#sketch-canvas canvas").first
    canvas.wait_for(state="visible")
    page.screenshot(path=str(tmp_path / "1-empty-canvas.png"))
    assert page.get_by_text("select the draw tool to start").count() == 0  # ready to draw at once
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 60, cy - 40)
    page.mouse.down()
    for step in range(24):  # a zig-zag stroke with real mouse events
        page.mouse.move(cx - 60 + step * 5, cy - 40 + (15 if step % 2 else -15), steps=3)
    page.mouse.up()
    first = wait_for_new_image(page, "#pix2pix-output", None)
    page.screenshot(path=str(tmp_path / "2-first-stroke.png"))
    page.mouse.move(cx - 50, cy + 40)
    page.mouse.down()
    page.mouse.move(cx + 60, cy + 50, steps=12)
    page.mouse.up()
    second = wait_for_new_image(page, "#pix2pix-output", first)
    page.screenshot(path=str(tmp_path / "3-second-stroke.png"))
    assert second != first


def test_moving_a_latent_slider_changes_the_dcgan_image(page, tmp_path):
    before = image_source(page, "#dcgan-image")
    slider = page.locator(".latent-slider input[type=range]").first
    click_slider(page, slider, 0.95)
    after = wait_for_new_image(page, "#dcgan-image", before)
    page.screenshot(path=str(tmp_path / "dcgan-slider.png"))
    assert after != before


def test_interpolated_frames_are_shown_large_enough_to_see(page, tmp_path):
    """The frames are 28 px digits: the strip scales them up (pixels kept sharp) instead of showing them tiny."""
    page.locator("button:has-text('Interpolate between two seeds')").first.click()
    page.get_by_role("button", name="Interpolate", exact=True).click()
    page.wait_for_selector("#dcgan-frames img", timeout=60_000)
    page.screenshot(path=str(tmp_path / "dcgan-frames.png"))
    strip = page.locator("#dcgan-frames img")
    natural_width, natural_height = strip.evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert natural_height == 28
    box = strip.bounding_box()  # the picture is drawn scaled to fit this box, its aspect ratio kept
    assert min(box["height"], box["width"] * natural_height / natural_width) >= 3 * 28


def test_the_cgan_tab_opens_on_mnist_digits(browser, app_url):
    """A link to the tab without a model opens the seeds' own example ("give it a 7"), not the first name."""
    if "mnist-cgan" not in gan_demo.list_models():
        pytest.skip("mnist-cgan is not shipped")
    page = open_app(browser, f"{app_url}?tab=cgan", first_image="#cgan-image")
    page.wait_for_timeout(1000)  # the page-load handler that restores a link's view has run
    assert page.locator("#cgan-model input").input_value() == "mnist-cgan"


def test_picking_a_label_in_the_cgan_tab(browser, app_url, tmp_path):
    page = open_app(browser, f"{app_url}?tab=cgan&model=mnist-cgan", first_image="#cgan-image")
    before = image_source(page, "#cgan-image")
    page.locator("#cgan-label").get_by_text("3", exact=True).click()
    three = wait_for_new_image(page, "#cgan-image", before)
    page.locator("#cgan-label").get_by_text("7", exact=True).click()
    seven = wait_for_new_image(page, "#cgan-image", three)
    page.screenshot(path=str(tmp_path / "cgan-7.png"))
    assert seven != three


def test_train_tab_shows_a_changing_grid_and_stops_on_request(page, tmp_path):
    page.get_by_role("tab", name="Train").click()
    page.locator("#train-start").click()
    first = wait_for_new_image(page, "#train-grid", None, timeout=90_000)
    second = wait_for_new_image(page, "#train-grid", first, timeout=60_000)
    page.screenshot(path=str(tmp_path / "train-live.png"))
    assert second != first
    page.locator("#train-stop").click()
    page.wait_for_function("() => /stopped at step/.test(document.querySelector('#train-status').innerText)",
                           timeout=60_000)
    page.screenshot(path=str(tmp_path / "train-stopped.png"))


def shown_pixels(page, selector) -> np.ndarray:
    """The image the page shows, as the browser received it."""
    body = page.request.get(image_source(page, selector)).body()
    return np.asarray(Image.open(io.BytesIO(body)).convert("L"))


def wait_for_url(page, text):
    page.wait_for_function("(text) => window.location.search.includes(text)", arg=text, timeout=30_000)


def test_a_shared_link_reopens_its_image_and_the_url_follows_the_user(browser, app_url, tmp_path):
    link = f"{app_url}?tab=cgan&model=mnist-cgan&seed=42&truncation=0.5&label=3&dir=2"
    page = open_app(browser, link, first_image="#cgan-image")
    page.screenshot(path=str(tmp_path / "1-shared-link.png"))
    assert page.locator("#cgan-seed input").input_value() == "42"
    assert page.locator("#cgan-label input[value='3']").is_checked()
    model = gan_demo.load("mnist-cgan")
    z = model.directions.apply(model.sample_z(1, 42), [2.0]) * 0.5
    expected = model.generate(z=z, labels=["3"])[0]
    np.testing.assert_array_equal(shown_pixels(page, "#cgan-image"), np.asarray(expected.convert("L")))

    before = image_source(page, "#cgan-image")
    page.locator("#cgan-label").get_by_text("5", exact=True).click()
    wait_for_url(page, "label=5")
    wait_for_new_image(page, "#cgan-image", before)
    assert "seed=42&truncation=0.5&" in page.evaluate("window.location.search")  # the link still names them
    expected = model.generate(1, seed=42, labels=["5"], truncation=0.5)[0]  # and the image is what it names
    np.testing.assert_array_equal(shown_pixels(page, "#cgan-image"), np.asarray(expected.convert("L")))

    page.locator("#cgan-seed-random").click()
    page.wait_for_function("() => !window.location.search.includes('seed=42')", timeout=30_000)
    page.screenshot(path=str(tmp_path / "2-random-seed.png"))
    page.locator("#cgan-seed-back").click()  # the seed history
    wait_for_url(page, "seed=42&")
    assert page.locator("#cgan-seed input").input_value() == "42"
    page.screenshot(path=str(tmp_path / "3-back.png"))


def test_stepping_the_toy_gan_redraws_the_game(browser, app_url, tmp_path):
    page = open_app(browser, f"{app_url}?tab=toy", first_image="#dcgan-image")
    page.get_by_role("tab", name="How a GAN learns").click()
    page.wait_for_selector("#toy-plot img", timeout=30_000)
    before = image_source(page, "#toy-plot")
    page.locator("#toy-step").click()
    after = wait_for_new_image(page, "#toy-plot", before)
    page.locator("#toy-play").click()
    page.wait_for_function("() => /Step [1-9][0-9]{2,}/.test(document.querySelector('#toy-stats').innerText)",
                           timeout=60_000)
    page.locator("#toy-pause").click()
    page.screenshot(path=str(tmp_path / "toy.png"))
    assert after != before


def slide_and_expect_a_new_image(browser, app_url, kind, tab, shown, slider, fraction, changed, tmp_path):
    """In ``tab`` (once ``shown`` has an image), slide ``slider`` to ``fraction``: ``changed`` gets a new image."""
    if not gan_demo.list_models(kind):
        pytest.skip(f"no shipped {kind} model")
    page = open_app(browser, app_url)
    page.get_by_role("tab", name=tab).click()
    page.wait_for_selector(f"{shown} img", timeout=60_000)
    before = image_source(page, changed)
    click_slider(page, page.locator(f"{slider} input[type=range]"), fraction)
    after = wait_for_new_image(page, changed, before)
    page.screenshot(path=str(tmp_path / f"{kind}.png"))
    assert after != before


def test_moving_an_infogan_code_redraws_its_image(browser, app_url, tmp_path):
    slide_and_expect_a_new_image(browser, app_url, "infogan", "InfoGAN", "#infogan-image", "#infogan-c1", 0.95,
                                 "#infogan-image", tmp_path)


def test_the_infogan_codes_slider_and_sweep_are_named_by_what_the_picked_model_measured(page, tmp_path):
    from gan_demo.ui.infogan_tab import code_labels

    names = gan_demo.list_models("infogan")
    if len(names) < 2:
        pytest.skip("fewer than two shipped InfoGAN models")
    page.get_by_role("tab", name="InfoGAN").click()
    page.wait_for_selector("#infogan-image img", timeout=60_000)
    for name in (names[0], names[-1]):
        page.locator("#infogan-model input").click()
        page.get_by_role("option", name=name, exact=True).click()
        label = code_labels(gan_demo.load(name))[0]  # e.g. "code 1 — ink"
        page.wait_for_selector(f"#infogan-c1:has-text('{label}')", timeout=30_000)
        page.wait_for_selector(f"#infogan-sweep-1:has-text('Sweep of {label}')", timeout=30_000)
        page.screenshot(path=str(tmp_path / f"{name}.png"))


def test_sliding_the_stylegan_crossover_redraws_the_mixed_pair(browser, app_url, tmp_path):
    slide_and_expect_a_new_image(browser, app_url, "stylegan", "StyleGAN", "#stylegan-grid", "#stylegan-crossover",
                                 0.1, "#stylegan-pair", tmp_path)


def test_every_tab_stays_once_in_the_tab_bar_whichever_is_opened(page):
    tab_bar = page.get_by_role("tab")
    names = tab_bar.all_inner_texts()
    assert len(names) == len(set(names)) >= 9
    for name in names:
        page.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_selector(f"[role=tab][aria-selected=true]:text-is('{name}')")
    page.wait_for_timeout(1000)  # each tab's content has rendered and registered with the bar
    assert tab_bar.all_inner_texts() == names
    assert page.locator("[role=tab][aria-selected=true]").all_inner_texts() == [names[-1]]


def test_opening_the_cyclegan_and_superres_tabs_shows_their_models_at_work(page, tmp_path):
    """A newcomer sees a translation and an upscale at once, before finding the examples below."""
    for kind, tab, output in (("cyclegan", "CycleGAN", "#cyclegan-output"),
                              ("srgan", "Super-resolution", "#srgan-output")):
        if not gan_demo.list_models(kind):
            continue
        page.get_by_role("tab", name=tab).click()
        page.wait_for_selector(f"{output} img", timeout=60_000)
        page.screenshot(path=str(tmp_path / f"{kind}-opened.png"))


def pick_an_example(browser, app_url, kind: str, tab: str, example: str, shown: str, timeout: int):
    """Open ``tab``, click the first of its ``example`` items and wait for ``shown`` to hold an image: the page."""
    if not gan_demo.list_models(kind):
        pytest.skip(f"no shipped {kind} model")
    page = open_app(browser, app_url)
    page.get_by_role("tab", name=tab).click()
    page.locator(example).first.click()
    page.wait_for_selector(f"{shown} img", timeout=timeout)
    return page


def test_picking_an_emoji_example_shows_it_in_the_other_style_and_back(browser, app_url, tmp_path):
    page = pick_an_example(browser, app_url, "cyclegan", "CycleGAN", "#cyclegan-examples tr.tr-body",
                           "#cyclegan-output", 60_000)
    page.wait_for_selector("#cyclegan-back img", timeout=60_000)
    page.screenshot(path=str(tmp_path / "cyclegan.png"))
    assert image_source(page, "#cyclegan-output") != image_source(page, "#cyclegan-back")


def test_an_example_photo_is_upscaled_and_the_zoom_and_the_blend_follow_their_sliders(browser, app_url, tmp_path):
    page = pick_an_example(browser, app_url, "srgan", "Super-resolution", "#srgan-examples button.gallery-item",
                           "#srgan-zoom", 90_000)
    before = image_source(page, "#srgan-zoom")
    click_slider(page, page.locator("#srgan-zoom-x input[type=range]"), 0.1)
    after = wait_for_new_image(page, "#srgan-zoom", before, timeout=60_000)
    page.screenshot(path=str(tmp_path / "srgan.png"))
    assert after != before
    page.get_by_text("Blend two models").click()  # the accordion, then its detail slider near its top end
    detail = page.locator("#srgan-detail input[type=range]")
    detail.wait_for(state="visible")
    click_slider(page, detail, 0.9)
    page.wait_for_selector("#srgan-note:has-text('shows the blend')", timeout=60_000)
    blended = wait_for_new_image(page, "#srgan-zoom", after)
    page.locator("#srgan-examples button.gallery-item").nth(1).click()  # another photo: still the blend
    wait_for_new_image(page, "#srgan-zoom", blended, timeout=60_000)
    page.wait_for_selector("#srgan-note:has-text('shows the blend')", timeout=30_000)


def test_the_blend_asked_for_while_a_photo_still_upscales_is_shown_until_a_model_is_picked(browser, app_url):
    """A request made while another one runs waits for it (trigger_mode="always_last"), and is still the blend's."""
    if not gan_demo.list_models("srgan"):
        pytest.skip("no shipped srgan model")
    page = open_app(browser, app_url)
    page.get_by_role("tab", name="Super-resolution").click()
    page.get_by_text("Blend two models").click()
    detail = page.locator("#srgan-detail input[type=range]")
    detail.wait_for(state="visible")
    page.locator("#srgan-examples button.gallery-item").nth(2).click()  # a photo to upscale: seconds
    click_slider(page, detail, 0.9)  # at once, while it upscales
    page.wait_for_selector("#srgan-note:has-text('shows the blend')", timeout=60_000)
    page.locator("#srgan-model input").click()
    page.get_by_role("option", name="photo-srresnet").click()
    page.wait_for_function("() => !document.querySelector('#srgan-note').innerText.includes('blend')", timeout=60_000)
