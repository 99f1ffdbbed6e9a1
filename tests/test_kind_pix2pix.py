import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

import gan_demo
from gan_demo.kinds.pix2pix import PatchDiscriminator, Pix2PixConfig, UnetGenerator
from gan_demo.translate import SketchTranslator
from helpers import TINY_CONFIGS
from kind_conformance import KindConformance
from reference_layouts import reference_unet
from train import stroke_augment
from train.data.pairs import PairData
from train.stroke_augment import augment_strokes
from train.tasks.pix2pix import Pix2PixTask, zoomed

RED, GREEN = (210, 47, 39), (92, 158, 49)
TINY_PALETTE = ["#FFFFFF", "#000000", "#D22F27", "#5C9E31"]  # white, line black, RED, GREEN
STEPS = 80  # of the tiny outline-colouring runs


class TestPix2PixConformance(KindConformance):
    kind = "pix2pix"

    def tiny_config(self):
        return TINY_CONFIGS["pix2pix"]()

    def outputs(self, model, seed):
        sketches = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        return model.translate_tensor(sketches, seed=seed)

    def tiny_task(self, config):
        return Pix2PixTask(config, UnetGenerator(config), PatchDiscriminator(config))

    def tiny_data(self):
        rng = torch.Generator().manual_seed(0)
        return PairData(torch.randint(0, 256, (8, 2, 1, 32, 32), generator=rng, dtype=torch.uint8),
                        torch.randint(0, 256, (8, 3, 32, 32), generator=rng, dtype=torch.uint8), "random pairs")


class TestPix2PixPaletteConformance(TestPix2PixConformance):
    """Palette mode keeps the kind's contract: it saves, loads and answers RGB in [-1, 1]."""

    def tiny_config(self):
        return dataclasses.replace(TINY_CONFIGS["pix2pix"](), output_mode="palette", palette=TINY_PALETTE)


def test_reference_parameter_counts_and_invalid_norm():
    def count(module):
        return sum(p.numel() for p in module.parameters())

    assert count(UnetGenerator(Pix2PixConfig())) == 54_413_955  # junyanz unet_256, batch norm
    assert count(PatchDiscriminator(Pix2PixConfig())) == 2_768_705  # 70x70 PatchGAN, 6 input channels
    with pytest.raises(ValueError, match="norm"):
        Pix2PixConfig(norm="group")


@pytest.mark.parametrize("batch_norm", [True, False])
def test_reference_weights_load_with_depth_width_and_norm_inferred(tmp_path, batch_norm):
    reference = reference_unet(num_downs=6, ngf=8, batch_norm=batch_norm)
    for module in reference.modules():  # non-trivial batch-norm statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    torch.save(reference.state_dict(), tmp_path / "latest_net_G.pth")
    model = gan_demo.load(str(tmp_path / "latest_net_G.pth"))
    config = model.config
    assert (config.depth, config.base_width, config.norm) == (6, 8, "batch" if batch_norm else "instance")
    assert config.inference_mode == "paper"
    images = torch.rand(2, 3, 64, 64) * 2 - 1
    reference.train()  # the reference test script: dropout and batch statistics at test time
    torch.manual_seed(5)
    with torch.no_grad():
        expected = reference(images)
    assert torch.allclose(model.translate_tensor(images, seed=5), expected, atol=1e-5)


def test_paper_mode_is_seeded_and_leaves_running_statistics_untouched():
    config = Pix2PixConfig(depth=6, base_width=4, image_size=64)
    translator = SketchTranslator("t", {"kind": "pix2pix"}, UnetGenerator(config).eval(), None)
    before = {k: v.clone() for k, v in translator.module.state_dict().items() if "running" in k}
    images = torch.rand(1, 3, 64, 64) * 2 - 1
    first, again = translator.translate_tensor(images, seed=1), translator.translate_tensor(images, seed=1)
    other = translator.translate_tensor(images, seed=2)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)  # dropout noise differs between seeds
    after = translator.module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not translator.module.training


def test_mirror_average_is_the_mean_of_the_output_and_the_mirrored_inputs_mirrored_output():
    torch.manual_seed(0)
    config = Pix2PixConfig(depth=5, base_width=4, image_size=32, norm="batch", inference_mode="eval",
                           mirror_average=True)
    module = UnetGenerator(config).eval()
    translator = SketchTranslator("t", {"kind": "pix2pix"}, module, None)
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        expected = (module(images) + module(images.flip(-1)).flip(-1)) / 2
        assert not torch.allclose(expected, module(images), atol=1e-3)  # the views really differ
    assert torch.allclose(translator.translate_tensor(images), expected, atol=1e-6)
    image = translator.translate(np.full((20, 30), 255, np.uint8))  # the PIL path runs it too
    assert image.size[0] == 32 and abs(image.size[1] - 32 * 20 / 30) <= 1


def test_palette_mode_decodes_logits_to_palette_colours():
    config = dataclasses.replace(TINY_CONFIGS["pix2pix"](), output_mode="palette", palette=TINY_PALETTE,
                                 temperature=0)
    module = UnetGenerator(config).eval()
    with torch.no_grad():
        logits = module.logits(torch.rand(1, 1, 32, 32) * 2 - 1)
        image = module(torch.rand(1, 1, 32, 32) * 2 - 1)
    assert logits.shape == (1, len(TINY_PALETTE), 32, 32) and image.shape == (1, 3, 32, 32)
    colours = {tuple(round((v + 1) * 127.5) for v in pixel) for pixel in image[0].flatten(1).T.tolist()}
    assert colours <= {(255, 255, 255), (0, 0, 0), RED, GREEN}  # the mode: palette colours only
    with pytest.raises(ValueError, match="palette"):
        Pix2PixConfig(output_mode="palette", palette=["#FFFFFF"])


def test_region_fill_gives_each_enclosed_region_its_likeliest_colour_and_leaves_ink_and_paper_alone():
    """Inside a ring the model says red on 60 % of the pixels and green on 40 % (speckled): region fill paints the
    whole inside red; a second ring's inside, likelier green overall, comes out all green; outside stays white;
    a region the model gives paper a fair chance (PAPER_DOUBT) stays paper."""
    module = region_filling_generator()
    sketch = Image.new("L", (32, 32), 255)
    ImageDraw.Draw(sketch).ellipse((2, 2, 14, 14), outline=0, width=1)
    ImageDraw.Draw(sketch).ellipse((17, 17, 29, 29), outline=0, width=1)
    sketches = sketch_batch(sketch, 1)
    inside = torch.from_numpy(np.array(fill_of(sketch)))
    logits = paper_and_ink_logits(sketches)
    speckle = torch.rand(32, 32, generator=torch.Generator().manual_seed(0))
    for ring, red_share in ((1, 0.6), (2, 0.3)):
        here = inside == ring
        logits[0, 0][here] = -5
        logits[0, 2][here] = torch.where(speckle[here] < red_share, 3.0, 1.0)
        logits[0, 3][here] = torch.where(speckle[here] < red_share, 1.0, 3.0)
    with torch.no_grad():
        image = module.coloured(logits, sketches)[0]
    colour_at = [tuple(round((v + 1) * 127.5) for v in image[:, y, x].tolist()) for y, x in ((8, 8), (23, 23))]
    assert colour_at == [RED, GREEN]
    for ring, colour in ((1, RED), (2, GREEN)):
        pixels = image[:, inside == ring].T.add(1).mul(127.5).round()
        assert (pixels == torch.tensor(colour, dtype=pixels.dtype)).all()
    assert (image[:, 0, 16] == 1).all() and (image[:, sketches[0, 0] < 0] == -1).all()  # paper white, ink black
    logits[0, 0][inside == 2] = 2.2  # the second inside: green still likeliest per pixel, paper 28 %
    with torch.no_grad():
        image = module.coloured(logits, sketches)[0]
    assert (image[:, inside == 2] == 1).all() and (image[:, inside == 1].T.add(1).mul(127.5).round()
                                                   == torch.tensor(RED, dtype=image.dtype)).all()
    with pytest.raises(ValueError, match="palette"):
        Pix2PixConfig(region_fill=True)


def test_region_fill_undoes_the_training_rebalancing_on_the_ink_alone():
    """Trained with red and green weighted 4x, black 1x: on the drawn line the model says red 45 %, black 40 %
    (rebalanced odds), which is black once the weights are divided out; inside the ring red stays red."""
    module = region_filling_generator(class_weights=[0.25, 1.0, 4.0, 4.0])
    sketch = Image.new("L", (32, 32), 255)
    ImageDraw.Draw(sketch).ellipse((4, 4, 27, 27), outline=0, width=2)
    sketches = sketch_batch(sketch, 1)
    ink, inside = sketches[0, 0] < 0, torch.from_numpy(np.array(fill_of_disc(sketch)) > 0)
    probabilities = torch.full((1, 4, 32, 32), 0.05)
    probabilities[0, :, ink] = torch.tensor([0.1, 0.4, 0.45, 0.05])[:, None]
    probabilities[0, :, inside] = torch.tensor([0.05, 0.05, 0.5, 0.4])[:, None]
    probabilities[0, 0, ~ink & ~inside] = 0.85
    with torch.no_grad():
        image = module.coloured(probabilities.log(), sketches)[0].add(1).mul(127.5).round()
        rebalanced = region_filling_generator().coloured(probabilities.log(), sketches)[0].add(1).mul(127.5).round()
    assert (image[:, ink] == 0).all() and (rebalanced[:, ink].T == torch.tensor(RED, dtype=image.dtype)).all()
    assert torch.equal(image[:, ~ink], rebalanced[:, ~ink])
    assert (image[:, inside].T == torch.tensor(RED, dtype=image.dtype)).all()
    with pytest.raises(ValueError, match="one positive weight per palette colour"):
        dataclasses.replace(module.config, class_weights=[1.0, 2.0])


def test_palette_training_records_its_class_weights_in_the_config():
    """Rebalancing weighs the rare colours up: white paper, on most pixels, weighs least; the config (saved with
    the model) and the generator's region fill hold the same weights."""
    config = dataclasses.replace(TINY_CONFIGS["pix2pix"](), input_channels=1, output_mode="palette",
                                 palette=TINY_PALETTE)
    task = Pix2PixTask(config, UnetGenerator(config), PatchDiscriminator(config), rebalance=0.5)
    task.prepare(outline_pairs(8))
    weights = task.config.class_weights
    assert len(weights) == len(TINY_PALETTE) and min(weights) == weights[TINY_PALETTE.index("#FFFFFF")] < 1
    assert torch.allclose(task.generator.class_weights, torch.tensor(weights))


def test_region_fill_keeps_apart_the_paper_a_one_pixel_diagonal_line_divides():
    """A square split corner to corner by a 1-px diagonal of ink, each half speckled with the other's colour:
    each half comes out in its own likeliest colour (regions are 4-connected paper, so a diagonal line is a wall),
    for every image of a batch."""
    module = region_filling_generator()
    sketch = Image.new("L", (32, 32), 255)
    ImageDraw.Draw(sketch).rectangle((4, 4, 27, 27), outline=0, width=1)
    ImageDraw.Draw(sketch).line((4, 4, 27, 27), fill=0, width=1)
    sketches = sketch_batch(sketch, 2)
    rows, cols = torch.meshgrid(torch.arange(32), torch.arange(32), indexing="ij")
    inside = (rows > 4) & (rows < 27) & (cols > 4) & (cols < 27) & (sketches[0, 0] > 0)
    upper = inside & (cols > rows)
    logits = paper_and_ink_logits(sketches)
    logits[:, 0][:, inside] = -5
    # speckled: 70 % of a half's pixels say its colour, 30 % the other half's (merged halves would tie)
    speckle = torch.rand(32, 32, generator=torch.Generator().manual_seed(1)) < 0.3
    for i, (top, bottom) in enumerate(((2, 3), (3, 2))):  # image 0: upper half red, lower green; image 1: reversed
        for half, colour, other in ((upper, top, bottom), (inside & ~upper, bottom, top)):
            logits[i, colour][half & ~speckle], logits[i, other][half & speckle] = 3, 3
    with torch.no_grad():
        images = module.coloured(logits, sketches).add(1).mul(127.5).round()
    red, green = torch.tensor(RED, dtype=images.dtype), torch.tensor(GREEN, dtype=images.dtype)
    for image, (top, bottom) in zip(images, ((red, green), (green, red))):
        assert (image[:, upper].T == top).all() and (image[:, inside & ~upper].T == bottom).all()


def region_filling_generator(class_weights: tuple[float, ...] = ()) -> UnetGenerator:
    config = dataclasses.replace(TINY_CONFIGS["pix2pix"](), output_mode="palette", palette=TINY_PALETTE,
                                 region_fill=True, class_weights=list(class_weights))
    return UnetGenerator(config).eval()


def sketch_batch(sketch: Image.Image, count: int) -> torch.Tensor:
    """(count, 1, H, W) copies of a greyscale drawing in [-1, 1]."""
    return torch.from_numpy(np.asarray(sketch, dtype=np.float32) / 127.5 - 1)[None, None].repeat(count, 1, 1, 1)


def paper_and_ink_logits(sketches: torch.Tensor) -> torch.Tensor:
    """Logits over TINY_PALETTE: white paper everywhere, black ink on the sketches' lines."""
    ink = sketches[:, 0] < 0
    logits = torch.full((len(sketches), len(TINY_PALETTE), *ink.shape[1:]), -5.0)
    logits[:, 0], logits[:, 1] = torch.where(ink, -5.0, 5.0), torch.where(ink, 5.0, -5.0)
    return logits


def fill_of_disc(sketch: Image.Image) -> Image.Image:
    """1 well inside test_region_fill_undoes_the_training_rebalancing_on_the_ink_alone's ring, 0 elsewhere."""
    regions = Image.new("L", sketch.size, 0)
    ImageDraw.Draw(regions).ellipse((7, 7, 24, 24), fill=1)
    return regions


def fill_of(sketch: Image.Image) -> Image.Image:
    """0 outside the rings, 1 inside the first (upper left), 2 inside the second."""
    regions = Image.new("L", sketch.size, 0)
    ImageDraw.Draw(regions).ellipse((4, 4, 12, 12), fill=1)
    ImageDraw.Draw(regions).ellipse((19, 19, 27, 27), fill=2)
    return regions


def test_mirror_average_in_palette_mode_averages_the_logits_before_the_colours_are_chosen():
    torch.manual_seed(0)
    config = dataclasses.replace(TINY_CONFIGS["pix2pix"](), output_mode="palette", palette=TINY_PALETTE,
                                 mirror_average=True, temperature=0)
    module = UnetGenerator(config).eval()
    translator = SketchTranslator("t", {"kind": "pix2pix"}, module, None)
    images = torch.rand(2, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        logits = (module.logits(images) + module.logits(images.flip(-1)).flip(-1)) / 2
        expected = module.colours[logits.argmax(1)].permute(0, 3, 1, 2)
    assert torch.equal(translator.translate_tensor(images), expected)  # palette colours, never a blend of two


def outline_pairs(count: int) -> PairData:
    """Outlines of a disc and of a square: the square is always green, three discs in four are red and the fourth
    green, so the outline of a disc cannot tell its colour (the ambiguous case)."""
    sketches, targets = [], []
    for i in range(count):
        square, red = i % 2 == 1, i % 8 in (0, 2, 4)
        sketch, target = Image.new("L", (32, 32), 255), Image.new("RGB", (32, 32), "white")
        for draw, fill in ((ImageDraw.Draw(sketch), None), (ImageDraw.Draw(target), RED if red else GREEN)):
            (draw.rectangle if square else draw.ellipse)((7, 7, 25, 25), fill=fill, outline=0, width=2)
        sketches.append(np.asarray(sketch)[None, None])
        targets.append(np.asarray(target).transpose(2, 0, 1))
    return PairData(torch.from_numpy(np.stack(sketches)), torch.from_numpy(np.stack(targets)), "outlines")


def disc_interior_colour(translator: SketchTranslator) -> np.ndarray:
    """The mean RGB (0..255) the model paints well inside a disc's outline."""
    sketch = Image.new("L", (32, 32), 255)
    ImageDraw.Draw(sketch).ellipse((7, 7, 25, 25), outline=0, width=2)
    output = np.asarray(translator.translate(sketch), dtype=np.float32)
    return output[12:21, 12:21].reshape(-1, 3).mean(0)


def trained_on_outlines(output_mode: str) -> SketchTranslator:
    torch.manual_seed(0)
    palette = TINY_PALETTE if output_mode == "palette" else []
    config = Pix2PixConfig(input_channels=1, depth=5, base_width=4, image_size=32, norm="instance",
                           inference_mode="eval", dropout=False, output_mode=output_mode, palette=palette)
    task = Pix2PixTask(config, UnetGenerator(config), PatchDiscriminator(config), gan_weight=0,
                       reconstruction="l2", jitter=1)
    data = outline_pairs(16)
    task.prepare(data)
    optimizer = torch.optim.Adam(task.generator.parameters(), lr=5e-3, betas=(0.5, 0.999))
    for step in range(STEPS):
        loss, _ = task.loss("G", task.make_batch(data, torch.arange(8) + 8 * (step % 2)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return SketchTranslator("outlines", {"kind": "pix2pix"}, task.generator.eval(), None)


def test_palette_mode_paints_an_ambiguous_shape_its_likeliest_colour_where_l2_paints_the_mean():
    """Discs are red three times in four: L2 paints a disc the red-green mean (41 from red in RGB distance),
    palette mode paints it red."""
    red = np.array(RED, dtype=np.float32)
    l2 = np.linalg.norm(disc_interior_colour(trained_on_outlines("rgb")) - red)
    palette = np.linalg.norm(disc_interior_colour(trained_on_outlines("palette")) - red)
    assert palette < 25 and l2 > palette + 15, (l2, palette)


def circles(count: int, size: int = 128, width: int = 4) -> torch.Tensor:
    """(count, 1, size, size) copies of a circle's line art in [-1, 1], ink -1 on white 1 (by default in
    OpenMoji's stroke at the augmentation's reference size)."""
    sketch = Image.new("L", (size, size), 255)
    ImageDraw.Draw(sketch).ellipse((size // 5, size // 5, size - size // 5, size - size // 5), outline=0, width=width)
    return torch.from_numpy(np.asarray(sketch, dtype=np.float32) / 127.5 - 1)[None, None].repeat(count, 1, 1, 1)


def ink_within(sketches: torch.Tensor, pixels: int) -> torch.Tensor:
    """True within ``pixels`` (horizontally and vertically) of the sketches' ink."""
    ink = (sketches < 0).float()
    return torch.nn.functional.max_pool2d(ink, 2 * pixels + 1, stride=1, padding=pixels) > 0


def only_faults(monkeypatch, pens=(0,), gaps=0, overshoots=0):
    """Stroke augmentation with only the faults asked for (besides the wobble, always there)."""
    monkeypatch.setattr(stroke_augment, "PEN_KERNELS", pens)
    monkeypatch.setattr(stroke_augment, "MAX_GAPS", gaps)
    monkeypatch.setattr(stroke_augment, "MAX_OVERSHOOTS", overshoots)


def test_stroke_augmentation_is_seeded_and_keeps_the_shapes_the_range_and_the_thread_count():
    sketches, threads = circles(8, size=64, width=2), torch.get_num_threads()
    targets = sketches.expand(-1, 3, -1, -1)
    first, wobbled = augment_strokes(sketches, targets, torch.Generator().manual_seed(1))
    assert torch.get_num_threads() == threads
    again, wobbled_again = augment_strokes(sketches, targets, torch.Generator().manual_seed(1))
    other, _ = augment_strokes(sketches, targets, torch.Generator().manual_seed(2))
    assert torch.equal(first, again) and torch.equal(wobbled, wobbled_again) and not torch.equal(first, other)
    assert first.shape == sketches.shape and wobbled.shape == targets.shape
    assert first.min() >= -1 and first.max() <= 1
    assert not torch.equal(first, sketches)
    ink = (first < 0).flatten(1).sum(1).float()
    assert ink.max() > 1.3 * ink.min()  # pens of different widths across the batch


def test_stroke_augmentation_wobbles_the_target_with_its_sketch(monkeypatch):
    only_faults(monkeypatch)
    sketches = circles(8)
    wobbly, targets = augment_strokes(sketches, sketches.expand(-1, 3, -1, -1), torch.Generator().manual_seed(0))
    assert torch.allclose(targets, wobbly.expand(-1, 3, -1, -1))
    moved = (wobbly - sketches).abs().flatten(1).amax(1)
    assert (moved > 0.5).sum() >= 6  # most of them visibly moved (the amplitude is random, from none to 1.5 px)
    assert ink_within(sketches, 2).expand_as(wobbly)[wobbly < 0].all()  # by no more than a pixel or two


@pytest.mark.parametrize("pen", [3, 5])
def test_stroke_augmentation_with_a_fat_pen_thickens_the_ink_and_a_fine_one_thins_it(monkeypatch, pen):
    sketches = circles(4)
    only_faults(monkeypatch, pens=(0,))
    as_drawn, _ = augment_strokes(sketches, sketches, torch.Generator().manual_seed(0))
    only_faults(monkeypatch, pens=(pen,))
    fat, _ = augment_strokes(sketches, sketches, torch.Generator().manual_seed(0))
    only_faults(monkeypatch, pens=(-3,))
    fine, _ = augment_strokes(sketches, sketches, torch.Generator().manual_seed(0))
    assert (fat <= as_drawn).all() and (fine >= as_drawn).all()  # ink only added, only taken away
    ink = [(image < 0).flatten(1).sum(1).float() for image in (fine, as_drawn, fat)]
    assert (0 < ink[0]).all() and (ink[0] < ink[1]).all() and (ink[2] > (1 + pen / 8) * ink[1]).all()
    assert ink_within(as_drawn, pen // 2)[fat < 0].all()  # thicker where the lines are, nowhere else


def test_stroke_augmentation_gaps_erase_ink_and_overshoots_add_it_near_the_strokes_only(monkeypatch):
    sketches, gaps, overshoots = circles(32), stroke_augment.MAX_GAPS, stroke_augment.MAX_OVERSHOOTS
    only_faults(monkeypatch)
    wobbled, _ = augment_strokes(sketches, sketches, torch.Generator().manual_seed(0))
    only_faults(monkeypatch, gaps=gaps)
    gappy, _ = augment_strokes(sketches, sketches, torch.Generator().manual_seed(0))
    only_faults(monkeypatch, overshoots=overshoots)
    overshot, _ = augment_strokes(sketches, sketches, torch.Generator().manual_seed(0))
    erased, added = gappy != wobbled, overshot != wobbled
    assert (gappy[erased] == 1).all() and (overshot[added] == -1).all()
    assert ink_within(wobbled, stroke_augment.GAP_PX // 2)[erased].all()
    assert ink_within(wobbled, stroke_augment.OVERSHOOT_PX + stroke_augment.TAIL_PX // 2)[added].all()
    for changed in (erased, added):  # a random number of faults per sketch: some get none, most some
        faulty = changed.flatten(1).any(1).float().mean()
        assert 0.5 < faulty < 1, faulty


def test_stroke_augmentation_stays_on_the_batch_device():
    """The meta device stands in for a GPU: it runs no kernels but fails on a tensor left on the CPU."""
    sketches = circles(4).to("meta")
    augmented, targets = augment_strokes(sketches, sketches.expand(-1, 3, -1, -1), torch.Generator().manual_seed(0))
    assert augmented.device == targets.device == sketches.device
    assert augmented.shape == sketches.shape and targets.shape == (4, 3, 128, 128)


def test_stroke_augmented_training_batches_keep_the_shapes_and_range():
    config = TINY_CONFIGS["pix2pix"]()
    task = Pix2PixTask(config, UnetGenerator(config), PatchDiscriminator(config), stroke_augment=True)
    data = TestPix2PixConformance().tiny_data()
    batch = task.make_batch(data, torch.arange(4))
    assert batch["sketches"].shape == (4, 1, 32, 32) and batch["targets"].shape == (4, 3, 32, 32)
    assert all(-1 <= image.min() and image.max() <= 1 for image in batch.values())


def test_zoom_scales_and_shifts_sketch_and_target_alike_on_white_paper():
    torch.manual_seed(0)
    sketches = circles(32, size=64, width=3)
    pairs = zoomed(torch.cat([sketches, sketches.expand(-1, 3, -1, -1)], dim=1), 1.5)
    assert torch.equal(pairs[:, 1:], pairs[:, :1].expand(-1, 3, -1, -1))  # one transform for both images
    assert (pairs[:, :, :2, :2] == 1).all() and pairs.min() >= -1  # paper comes into view, not black
    # the ring's area follows the square of the scale (its stroke scales too): between 1/1.5**2 and 1.5**2
    area = (pairs[:, 0] < 0).flatten(1).sum(1) / (sketches[:, 0] < 0).flatten(1).sum(1)
    assert 0.8 / 1.5 ** 2 < area.min() < 0.8 and 1.25 < area.max() < 1.2 * 1.5 ** 2, area
    centres = [torch.nonzero(p[0] < 0).float().mean(0) for p in pairs]
    assert max(abs(c - 31.5).max() for c in centres) > 2  # shifted, not only scaled


def test_main_colour_agreement_counts_images_whose_main_colour_is_the_truths():
    """Red against red counts, red against yellow does not, and two images of bare paper match nothing."""
    from train.tools.emoji_metrics import main_colour_agreement

    def flat(rgb):
        return torch.tensor(rgb, dtype=torch.float32).div(255).view(1, 3, 1, 1).expand(1, 3, 8, 8)

    red, yellow, paper = flat(RED), flat((252, 234, 43)), flat((255, 255, 255))
    outputs, targets = torch.cat([red, red, paper]), torch.cat([red, yellow, paper])
    assert main_colour_agreement(outputs, targets) == pytest.approx(1 / 3)
