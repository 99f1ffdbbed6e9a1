"""Every shipped checkpoint, as a user gets it: loads, generates the right shape, range and determinism, and
does what its card claims (measured again here, on fresh samples)."""
import numpy as np
import pytest
import torch

import gan_demo
from gan_demo.loading import shipped_dir

SHIPPED = gan_demo.list_models()
EXPECTED = {"mnist-cgan": ("cgan", 28, 1), "mnist-dcgan": ("dcgan", 28, 1), "openmoji-dcgan": ("dcgan", 64, 3),
            "openmoji-pix2pix": ("pix2pix", 128, 3), "openmoji-pix2pix-palette": ("pix2pix", 128, 3)}


def test_the_four_promised_models_ship():
    assert set(EXPECTED) <= set(SHIPPED)


@pytest.mark.parametrize("name", [n for n in SHIPPED if n in EXPECTED])
def test_shipped_checkpoint_loads_small_with_a_card(name):
    folder = shipped_dir() / name
    assert (folder / "model.safetensors").stat().st_size < 20 * 2**20
    card = (folder / "README.md").read_text()
    assert card.startswith("---") and "python -m train" in card
    model = gan_demo.load(name)
    kind, size, channels = EXPECTED[name]
    assert model.kind == kind and model.image_size == size
    if kind == "pix2pix":
        return
    labels = 3 if model.classes else None
    images = model.generate(4, seed=9, labels=labels)
    again = model.generate(4, seed=9, labels=labels)
    pixels = np.stack([np.asarray(i) for i in images])
    assert pixels.shape[1:3] == (size, size) and (pixels.ndim == 3) == (channels == 1)
    assert np.array_equal(pixels, np.stack([np.asarray(i) for i in again]))
    assert pixels.std() > 10  # not a flat image
    tensors = model.generate_tensor(model.sample_z(8, seed=1), torch.full((8,), 3) if model.classes else None)
    assert tensors.min() >= -1 and tensors.max() <= 1
    assert (tensors[0] - tensors[1:]).abs().mean() > 0.05  # different z, different images: no collapse


@pytest.fixture(scope="module")
def digits():
    from train.tools.classifier import split_mnist
    from train.tasks import to_unit_range

    data, _, _ = split_mnist()
    return to_unit_range(data.images), data.labels


def test_mnist_cgan_draws_the_digit_its_label_asks_for():
    from train.tools.classifier import load_classifier
    from train.tools.evaluate import generated_digits

    model = gan_demo.load("mnist-cgan")
    images, labels = generated_digits(model, per_label=100, seed=123)
    with torch.no_grad():
        predicted = load_classifier()(images).argmax(1)
    per_class = [(predicted[labels == k] == k).float().mean().item() for k in range(10)]
    assert (predicted == labels).float().mean() >= 0.985, per_class  # the bar (measured: 99.5 %)
    assert min(per_class) >= 0.95, per_class


def test_mnist_dcgan_draws_every_digit_from_random_z():
    """No digit is left out (mode collapse): of 1,000 samples the classifier reads at least 5 % as each digit."""
    from train.tools.classifier import load_classifier
    from train.tools.evaluate import generated_digits

    images, _ = generated_digits(gan_demo.load("mnist-dcgan"), per_label=100, seed=123)
    with torch.no_grad():
        shares = torch.bincount(load_classifier()(images).argmax(1), minlength=10) / len(images)
    assert shares.min() >= 0.05, shares.tolist()


def real_beats_junk(model, real_images: list, asked: list) -> dict[str, float]:
    """Through the same path as /realness (PIL images of any size): for each kind of junk image, the share of
    ``real_images`` the model's detective finds more real than a fresh junk image (asking each real one's label)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    shape = (64, 64, 3) if model.channels == 3 else (28, 28)
    junk = {
        "noise": lambda: Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)),  # RGB or L by its shape
        "white canvas": lambda: Image.new("L", (280, 280), 255),
        "black canvas": lambda: Image.new("L", (28, 28), 0),
        "grey image": lambda: Image.new("L", (28, 28), int(rng.integers(0, 256))),
    }
    real = [model.realness(image, label) for image, label in zip(real_images, asked)]
    return {name: float(np.mean([r > model.realness(make(), label) for r, label in zip(real, asked)]))
            for name, make in junk.items()}


@pytest.mark.parametrize("name", ["mnist-cgan", "mnist-dcgan"])
def test_the_digit_detectives_prefer_real_digits_to_noise_and_blank_images(digits, name):
    """100 held-out real digits."""
    from PIL import Image

    from train.tools.classifier import split_mnist

    model = gan_demo.load(name)
    images, labels = digits
    picks = np.random.default_rng(0).choice(split_mnist()[2].numpy(), 100, replace=False)
    real = [Image.fromarray(((images[i, 0] + 1) * 127.5).byte().numpy()) for i in picks]
    asked = [int(labels[i]) if model.kind == "cgan" else None for i in picks]
    wins = real_beats_junk(model, real, asked)
    assert min(wins.values()) >= 0.95, wins


def test_the_emoji_detective_prefers_held_out_emoji_to_noise_and_blank_images():
    """The DCGAN tab's meter with the emoji model: 100 held-out OpenMoji emoji."""
    from PIL import Image

    from train.data.openmoji import load_openmoji

    model = gan_demo.load("openmoji-dcgan")
    emoji = load_openmoji(64, split="test").images
    picks = np.random.default_rng(0).choice(len(emoji), 100, replace=False)
    real = [Image.fromarray(emoji[i].permute(1, 2, 0).numpy()) for i in picks]
    wins = real_beats_junk(model, real, [None] * len(real))
    assert min(wins.values()) >= 0.95, wins


def test_the_clothes_detective_prefers_held_out_clothes_to_noise_and_blank_images():
    """The cGAN tab's meter with the clothes model: 100 Fashion-MNIST test images, each judged as its own class.
    The bar is lower than the digits' because D rates the brightest garments fake (a mean pixel of 130 or more,
    4 % of the test set: near-white pullovers, coats, bags; said in the card); before its fine-tune static beat
    more than half of these real clothes."""
    from PIL import Image

    from train.data.core import DataError
    from train.data.digits import load_fashion_mnist

    try:
        clothes = load_fashion_mnist("test")
    except DataError as missing:
        pytest.skip(f"Fashion-MNIST is not installed here: {missing}")
    model = gan_demo.load("fashion-cgan")
    picks = np.random.default_rng(0).choice(len(clothes.images), 100, replace=False)
    real = [Image.fromarray(clothes.images[i, 0].numpy()) for i in picks]
    wins = real_beats_junk(model, real, [clothes.class_names[int(clothes.labels[i])] for i in picks])
    assert min(wins.values()) >= 0.9, wins


def test_openmoji_pix2pix_colours_held_out_line_art_closer_to_the_truth_than_the_line_art():
    """PSNR and mean absolute error on the whole held-out test split against the "copy the input" baseline: the
    issue asks for +5 dB (measured: +5.32, in the card), and the output is coloured, not a grey copy."""
    from train.tools.evaluate import held_out_translations, pix2pix_metrics

    model = gan_demo.load("openmoji-pix2pix")
    translations = held_out_translations(model)
    metrics = pix2pix_metrics(model, translations)
    assert len(translations[2]) == 220
    assert metrics["test PSNR gain over the baseline (dB)"]["value"] >= 5.0
    assert metrics["test L1"]["value"] < float(metrics["test L1"]["note"].split()[-1])
    outputs = translations[1]
    colourfulness = (outputs.max(dim=1).values - outputs.min(dim=1).values).mean()
    assert colourfulness > 0.05


def test_openmoji_pix2pix_palette_colours_first_drawings_as_a_person_expects_in_flat_palette_colours():
    """The drawings a person makes first, prepared as the app prepares them: every heart red, every star, sun and
    smiley yellow, 12 of the 15 in the expected colour as its card says (trees come out yellow); each region one
    palette colour, never the mean of two."""
    from gan_demo.sketch import prepare_drawing
    from train.tools.emoji_metrics import DRAWINGS, PENS, drawing, drawing_colours

    model = gan_demo.load("openmoji-pix2pix-palette")
    colours = drawing_colours(model)
    right = {key for key, colour in colours.items() if colour == DRAWINGS[key[0]][1]}
    assert {(name, pen) for name in ("heart", "star", "sun", "smiley") for pen in PENS} <= right
    coloured = np.array(model.translate(prepare_drawing(drawing("heart", "marker"), model.image_size)))
    palette = (model.module.colours + 1) * 127.5
    distance = torch.cdist(torch.from_numpy(coloured.reshape(-1, 3)).float(), palette).min(dim=1).values
    assert distance.max() <= 1  # palette colours only (PIL's rounding aside)


# name -> the data its classifier knows
INFOGANS = {"mnist-infogan": "mnist", "mnist-infogan-guided": "mnist", "fashion-infogan": "fashion-mnist"}


@pytest.mark.parametrize("name", [n for n in INFOGANS if n in SHIPPED])
def test_an_infogan_draws_what_its_card_says_each_category_and_code_does(name):
    """Fresh samples (another seed than the card's): each category mostly draws the class the card names for it,
    and each continuous code moves the quantity the card names for it (width, slant, ink) the way the card says."""
    from train.data.digits import CLASS_NAMES
    from train.tools.classifier import load_classifier
    from train.tools.infogan_metrics import moments

    model, data_name = gan_demo.load(name), INFOGANS[name]
    metrics = model.payload["metrics"]
    classifier = load_classifier(data_name)
    z = model.sample_z(100, seed=77)
    for category, claimed in metrics["category purity"]["per_category"].items():
        picked, continuous = model.codes(100, seed=77, category=int(category))
        with torch.no_grad():
            predicted = classifier(model.generate_coded(z, picked, continuous)).argmax(1)
        wanted = CLASS_NAMES[data_name].index(claimed["class"])
        assert (predicted == wanted).float().mean() >= claimed["purity"] - 0.15, (category, claimed)
    picked, _ = model.codes(100, seed=77)
    for index, code in enumerate(model.continuous_codes):
        quantity = metrics["continuous codes"]["effects"][code]
        direction = np.sign(metrics["continuous codes"]["table"][code][quantity]["spearman"])
        codes = torch.zeros(100, len(model.continuous_codes))
        means = []
        for value in (-1.0, 0.0, 1.0):
            codes[:, index] = value
            means.append(float(moments(model.generate_coded(z, picked, codes))[quantity].mean()))
        assert direction * means[0] < direction * means[1] < direction * means[2], (code, quantity, means)


def test_the_guided_infogans_category_k_draws_the_digit_k():
    """Its promise: the category slider is the digit (fresh z and codes, another seed than the card's)."""
    from train.tools.classifier import load_classifier

    model, classifier = gan_demo.load("mnist-infogan-guided"), load_classifier("mnist")
    z = model.sample_z(100, seed=78)
    for digit in range(10):
        category, continuous = model.codes(100, seed=78, category=digit)
        with torch.no_grad():
            predicted = classifier(model.generate_coded(z, category, continuous)).argmax(1)
        assert (predicted == digit).float().mean() >= 0.85, digit


def test_the_super_resolution_tabs_blend_at_0_85_is_the_shipped_photo_srgan():
    from gan_demo.superres import interpolated

    names = {"photo-srgan", "photo-srresnet", "photo-srgan-sharp"}
    if not names <= set(SHIPPED):
        pytest.skip("the super-resolution models are not shipped")
    blend = interpolated(gan_demo.load("photo-srresnet"), gan_demo.load("photo-srgan-sharp"), 0.85)
    shipped = gan_demo.load("photo-srgan").module.state_dict()
    assert all(torch.equal(value, shipped[key]) for key, value in blend.module.state_dict().items())
