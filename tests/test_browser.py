"""A real browser (Debian's chromium driven by Playwright) uses the app as a person would."""
import shutil

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Debian's chromium is not installed (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def app_url():
    from gan_demo.ui import LAUNCH_OPTIONS, build_demo

    demo = build_demo()
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **LAUNCH_OPTIONS)
    yield url
    demo.close()


@pytest.fixture
def page(app_url, tmp_path):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(app_url)
        page.wait_for_selector("#dcgan-image img", timeout=60_000)
        yield page
        browser.close()


def image_source(page, selector):
    image = page.locator(f"{selector} img")
    return image.get_attribute("src") if image.count() else None


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
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.95, box["y"] + box["height"] / 2)
    after = wait_for_new_image(page, "#dcgan-image", before)
    page.screenshot(path=str(tmp_path / "dcgan-slider.png"))
    assert after != before


def test_picking_a_label_in_the_cgan_tab(page, tmp_path):
    page.get_by_role("tab", name="Conditional GAN").click()
    page.wait_for_selector("#cgan-image img", timeout=30_000)
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
