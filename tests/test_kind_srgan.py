import itertools

import numpy as np
import pytest
import torch
from PIL import Image

import gan_demo
from gan_demo.checkpoints import save_checkpoint
from gan_demo.kinds.srgan import SRDiscriminator, SRGANConfig, SRResNet, SubPixelUpsample
from gan_demo.superres import SuperResolver, interpolated, tile_spans
from kind_conformance import KindConformance
from train.cli import main
from train.data import photos as photo_data
from train.data.core import DataError
from train.data.photos import PhotoCrops, bicubic_downscale, crop_batch, load_photos, pack
from train.errors import UsageError
from train.loop import fit
from train.options import TrainOptions
from train.tasks.srgan import SRGANTask, vgg19_features
from train.tools.srgan_metrics import choose_alpha, interpolate, psnr_y


def tiny_config(**changes):
    return SRGANConfig(**{"width": 8, "blocks": 1, "image_size": 16, "disc_width": 4, **changes})


def random_photos(count: int = 3, seed: int = 0, crops_per_epoch: int = 8) -> PhotoCrops:
    """Smooth random colour fields of different sizes (photo-like: most energy at low frequencies)."""
    rng = torch.Generator().manual_seed(seed)
    images = []
    for index in range(count):
        coarse = torch.rand(1, 3, 6, 8, generator=rng)
        size = (40 + 8 * index, 52 - 4 * index)
        smooth = torch.nn.functional.interpolate(coarse, size=size, mode="bicubic", align_corners=False)
        images.append((smooth[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy())
    return pack(images, crops_per_epoch, source="random smooth photos", credit="")


def resolver(config: SRGANConfig, seed: int = 0) -> SuperResolver:
    torch.manual_seed(seed)
    return SuperResolver("t", {"kind": "srgan"}, SRResNet(config).eval(), None)


class TestSRGANConformance(KindConformance):
    kind = "srgan"

    def tiny_config(self):
        return tiny_config()

    def outputs(self, model, seed):
        small = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        return model.upscale_tensor(small)

    def tiny_task(self, config):
        return SRGANTask(config, SRResNet(config), SRDiscriminator(config))

    def tiny_data(self):
        return random_photos()


@pytest.mark.parametrize("image", [
    Image.new("RGB", (13, 7), "red"), Image.new("L", (5, 9), 128), Image.new("RGBA", (6, 6), (0, 0, 255, 100)),
    np.zeros((11, 3), np.uint16), np.random.default_rng(0).random((8, 10, 3)),
], ids=["rgb", "grey", "rgba", "uint16", "float"])
def test_upscale_returns_an_rgb_image_exactly_scale_times_the_input(image):
    model = resolver(tiny_config())
    width, height = image.size if isinstance(image, Image.Image) else (image.shape[1], image.shape[0])
    output = model.upscale(image)
    assert model.scale == 4 and output.mode == "RGB" and output.size == (4 * width, 4 * height)


def test_tiled_and_untiled_upscales_agree():
    model = resolver(tiny_config(width=16, blocks=4))
    photo = np.random.default_rng(0).integers(0, 256, (45, 61, 3), dtype=np.uint8)
    whole = np.asarray(model.upscale(photo, tile=512)).astype(int)
    tiled = np.asarray(model.upscale(photo, tile=40, overlap=16)).astype(int)  # 2 x 2 tiles
    difference = np.abs(tiled - whole)
    assert difference.max() <= 3 and difference.mean() < 0.1


@pytest.mark.parametrize("scale, channels", [(2, 3), (4, 3), (8, 1)])
def test_the_inference_path_computes_what_forward_does(scale, channels):
    torch.manual_seed(0)
    model = SRResNet(tiny_config(scale=scale, channels=channels)).double().eval()
    with torch.no_grad():
        for parameter in model.parameters():  # not ICNR's equal sub-pixels, which would hide a misplaced one
            parameter.normal_(0, 0.3)
        images = torch.rand(2, channels, 7, 5, dtype=torch.float64) * 2 - 1
        assert torch.allclose(model.infer(images), model(images), rtol=0, atol=1e-10)


def test_tiles_are_the_fewest_of_one_size_that_cover_the_image_with_the_overlap():
    assert tile_spans(256, 256, 32) == [(0, 256)]
    assert tile_spans(400, 256, 32) == [(0, 216), (184, 400)]
    for length in range(1, 300):
        spans = tile_spans(length, 64, 16)
        assert spans[0][0] == 0 and spans[-1][1] == length and len({end - start for start, end in spans}) == 1
        assert all(end - start <= 64 for start, end in spans)
        assert all(left[1] - right[0] >= 16 for left, right in itertools.pairwise(spans))
        fewer = len(spans) - 1  # tiles of 64 sharing 16 reach (fewer * 64 - (fewer - 1) * 16) at most
        assert fewer == 0 or fewer * 64 - (fewer - 1) * 16 < length


@pytest.mark.parametrize("image, keywords, message", [
    (np.zeros((1600, 1600, 3), np.uint8), {}, "too large to upscale"),
    (np.zeros((4, 4, 2), np.uint8), {}, "expected an"),
    ("photo.jpg", {}, "expected a PIL image"),
    (np.zeros((4, 4, 3), np.uint8), {"tile": 8, "overlap": 4}, "overlap"),
])
def test_bad_inputs_get_a_clear_value_error(image, keywords, message):
    with pytest.raises(ValueError, match=message):
        resolver(tiny_config()).upscale(image, **keywords)


def test_icnr_makes_the_untrained_subpixel_stage_a_nearest_neighbour_upsampling():
    stage = SubPixelUpsample(8, 4).eval()
    with torch.no_grad():
        output = stage(torch.randn(1, 8, 5, 5))
    assert output.shape == (1, 4, 10, 10)
    cells = [output[..., i::2, j::2] for i in range(2) for j in range(2)]
    assert all(torch.equal(cells[0], cell) for cell in cells[1:])


def test_crops_stay_inside_each_photo_and_downscale_by_the_scale():
    white = [np.full((24 + 8 * i, 40 - 8 * i, 3), 255, np.uint8) for i in range(3)]  # padded with black
    data = pack(white, crops_per_epoch=8, source="", credit="")
    crops = crop_batch(data, 64, 20)
    assert crops.shape == (64, 3, 20, 20) and bool((crops == 255).all())
    small = bicubic_downscale(torch.rand(2, 3, 16, 16) * 2 - 1, 4)
    assert small.shape == (2, 3, 4, 4) and torch.allclose(small, (small + 1).mul(127.5).round().div(127.5) - 1)


def test_the_cache_file_alone_is_enough_to_load_the_photos(tmp_path, isolated_cache, monkeypatch):
    for index in range(2):
        Image.new("RGB", (900, 500), (40 * index, 90, 200)).save(tmp_path / f"p{index}.jpg")
    monkeypatch.setattr(photo_data, "WALLPAPER_PHOTOS", {"pkg": ("GPL-2+", [str(tmp_path / "p0.jpg"),
                                                                            str(tmp_path / "p1.jpg")])})
    first = load_photos("photos", 96)
    assert first.sizes.tolist() == [[356, 640], [356, 640]]  # long side resized to PHOTO_LONG_SIDE
    for path in tmp_path.glob("p*.jpg"):
        path.unlink()
    assert torch.equal(load_photos("photos", 96).photos, first.photos)
    (isolated_cache / photo_data.CACHE_NAME).unlink()
    with pytest.raises(DataError, match="apt-get install pkg"):
        load_photos("photos", 96)


def test_a_few_training_steps_beat_the_untrained_model_on_a_photo(tmp_path):
    data = random_photos(seed=1, crops_per_epoch=8 * 40)  # one epoch of 40 steps
    config = tiny_config(width=16, blocks=2, image_size=32)
    torch.manual_seed(0)
    task = SRGANTask(config, SRResNet(config), None, adversarial_weight=0)
    options = TrainOptions(epochs=1, batch_size=8, lr_g=2e-3, betas=(0.9, 0.999), ema_decay=0, device="cpu")
    fit(task, data, options, tmp_path / "run", show_progress=False)
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "untrained", "srgan", config, SRResNet(config))
    truth = random_photos(count=1, seed=2).photos[0].permute(1, 2, 0).numpy()[:40, :52]
    small = Image.fromarray(truth).resize((13, 10), Image.Resampling.BICUBIC)
    scores = {name: psnr_y(np.asarray(gan_demo.load(str(tmp_path / name)).upscale(small)), truth, 4)
              for name in ("run", "untrained")}
    assert scores["run"] > scores["untrained"] + 5


def test_interpolation_blends_the_weights_and_needs_one_architecture(tmp_path):
    for name, seed in (("psnr", 0), ("gan", 1), ("other", 2)):
        torch.manual_seed(seed)
        config = tiny_config(blocks=2 if name == "other" else 1)
        save_checkpoint(tmp_path / name, "srgan", config, SRResNet(config))
    weights = {name: gan_demo.load(str(tmp_path / name)).module.state_dict() for name in ("psnr", "gan")}
    for alpha in (0.0, 0.25, 1.0):
        _, blended = interpolate(tmp_path / "psnr", tmp_path / "gan", alpha)
        for key, value in blended.state_dict().items():
            assert torch.allclose(value, (1 - alpha) * weights["psnr"][key] + alpha * weights["gan"][key])
    with pytest.raises(UsageError, match="different architectures"):
        interpolate(tmp_path / "psnr", tmp_path / "other", 0.5)


def test_the_chosen_blend_is_the_largest_alpha_that_keeps_psnr_and_stays_below_the_truths_sharpness():
    def figures(psnr, sharpness):
        return {"PSNR (Y, dB)": {"value": psnr}, "sharpness (ratio to the truth)": {"value": sharpness}}
    sweep = {0.0: figures(28.0, 0.6), 0.4: figures(27.9, 0.8), 0.6: figures(27.6, 0.9), 1.0: figures(27.0, 1.1)}
    assert choose_alpha(sweep, max_psnr_drop=0.3) == 0.4
    assert choose_alpha(sweep, max_psnr_drop=0.5) == 0.6
    assert choose_alpha(sweep, max_psnr_drop=2.0) == 0.6  # alpha 1 is sharper than the truth
    assert choose_alpha({0.0: figures(28.0, 1.2)}, max_psnr_drop=0.3) == 0.0


@pytest.mark.parametrize("argv, message", [
    (["--adversarial-weight", "0", "--lr-d", "1e-4"], "no discriminator is trained"),
    (["--crop-size", "30"], "multiple of the scale"),
    (["--init-from", "nowhere"], "no such run folder"),
    (["--teacher", "nowhere"], "--teacher nowhere: no such run folder"),
    (["--freeze-trunk"], "--freeze-trunk needs --init-from"),
])
def test_bad_training_flags_get_one_clear_line(tmp_path, capsys, argv, message):
    assert main(["srgan", "--out", str(tmp_path / "run"), "--dry-run", *argv]) == 2
    assert message in capsys.readouterr().err


def test_init_from_keeps_the_architecture_and_refuses_a_contradicting_flag(tmp_path, capsys):
    config = tiny_config(blocks=2)
    save_checkpoint(tmp_path / "psnr", "srgan", config, SRResNet(config))
    assert main(["srgan", "--out", str(tmp_path / "gan"), "--dry-run", "--init-from", str(tmp_path / "psnr")]) == 0
    assert '"blocks": "2"' in capsys.readouterr().out
    assert main(["srgan", "--out", str(tmp_path / "gan"), "--dry-run", "--init-from", str(tmp_path / "psnr"),
                 "--blocks", "16"]) == 2
    assert "--blocks 16: --init-from" in capsys.readouterr().err


def test_a_narrower_upsampler_distils_the_teacher_on_its_frozen_trunk(tmp_path):
    torch.manual_seed(0)
    config = tiny_config(width=16, blocks=2, image_size=32)
    save_checkpoint(tmp_path / "teacher", "srgan", config, SRResNet(config))
    photos = tmp_path / "photos"
    photos.mkdir()
    for index, photo in enumerate(random_photos(count=3, seed=3).photos):
        Image.fromarray(photo.permute(1, 2, 0).numpy()).save(photos / f"p{index}.png")
    teacher = str(tmp_path / "teacher")
    run = ["srgan", "--data", str(photos), "--crop-size", "32", "--batch-size", "8", "--epochs", "1",
           "--adversarial-weight", "0", "--init-from", teacher, "--teacher", teacher, "--upsample-width", "8",
           "--freeze-trunk", "--lr", "1e-2", "--quiet"]
    assert main([*run, "--crops-per-epoch", "8", "--max-steps", "1", "--out", str(tmp_path / "start")]) == 0
    assert main([*run, "--crops-per-epoch", "960", "--out", str(tmp_path / "student")]) == 0
    models = {name: gan_demo.load(str(tmp_path / name)) for name in ("teacher", "start", "student")}
    student = models["student"].module
    assert student.config.upsample_width == 8 and student.tail.in_channels == 8
    for part in ("head", "trunk"):
        for mine, theirs in zip(getattr(student, part).state_dict().values(),
                                getattr(models["teacher"].module, part).state_dict().values()):
            assert torch.equal(mine, theirs)
    small = random_photos(count=1, seed=4).photos[:1].float().div(127.5).sub(1)[:, :, :12, :12]
    target = models["teacher"].upscale_tensor(small)
    distance = {name: (models[name].upscale_tensor(small) - target).abs().mean().item()
                for name in ("start", "student")}
    assert distance["student"] < 0.5 * distance["start"]
    card = (tmp_path / "student" / "README.md").read_text()
    assert "knowledge distillation" in card and "starting weights and teacher" in card


def test_vgg19_content_without_the_weights_is_a_usage_error(monkeypatch):
    import torchvision.models

    def offline(weights):
        raise OSError("no network")
    monkeypatch.setattr(torchvision.models, "vgg19", offline)
    vgg19_features.cache_clear()
    with pytest.raises(UsageError, match="offline, use --content l1"):
        vgg19_features()
    vgg19_features.cache_clear()


def test_a_blend_of_two_loaded_models_runs_between_them_and_refuses_what_cannot_blend(tmp_path):
    for name, seed, changes in (("psnr", 0, {}), ("gan", 1, {}), ("other", 2, {"blocks": 2}),
                                ("psnr-bn", 3, {"batch_norm": True}), ("gan-bn", 4, {"batch_norm": True})):
        torch.manual_seed(seed)
        config = tiny_config(**changes)
        save_checkpoint(tmp_path / name, "srgan", config, SRResNet(config))
    psnr, gan, other, psnr_bn, gan_bn = (gan_demo.load(str(tmp_path / name))
                                         for name in ("psnr", "gan", "other", "psnr-bn", "gan-bn"))
    photo = Image.fromarray(random_photos(count=1, seed=3).photos[0].permute(1, 2, 0).numpy()[:12, :16])
    for a, b in ((psnr, gan), (psnr_bn, gan_bn)):  # batch norm: its step counters (not floats) come from the GAN end
        ends = [np.asarray(model.upscale(photo)) for model in (a, b)]
        assert np.array_equal(np.asarray(interpolated(a, b, 0).upscale(photo)), ends[0])
        assert np.array_equal(np.asarray(interpolated(a, b, 1).upscale(photo)), ends[1])
        halfway = interpolated(a, b, 0.5)
        assert not np.array_equal(np.asarray(halfway.upscale(photo)), ends[0])
        assert not np.array_equal(np.asarray(halfway.upscale(photo)), ends[1])
        assert [np.array_equal(np.asarray(m.upscale(photo)), end) for m, end in zip((a, b), ends)] == [True, True]
    assert halfway.payload["training"]["options"]["interpolation"] == {"alpha": 0.5, "psnr": psnr_bn.name,
                                                                       "gan": gan_bn.name}
    assert "metrics" not in halfway.payload  # the GAN end's figures are not the blend's
    for alpha in (-0.1, 1.5, float("nan"), True):
        with pytest.raises(ValueError, match="from 0 .* to 1"):
            interpolated(psnr, gan, alpha)
    with pytest.raises(ValueError, match="different architectures"):
        interpolated(psnr, other, 0.5)


def test_the_blends_default_ends_are_a_content_loss_model_and_an_adversarial_one_of_its_architecture(tmp_path):
    from gan_demo.ui.served import ServedModels
    from gan_demo.ui.srgan_tab import blend_ends

    kinds = {"faithful": ({}, {"adversarial_weight": 0.0}), "student": ({}, {"adversarial_weight": 0.0,
                                                                              "teacher": "faithful"}),
             "textured": ({}, {"adversarial_weight": 0.01}), "blended": ({}, {"adversarial_weight": 0.01,
                                                                              "interpolation": {"alpha": 0.5}}),
             "deeper": ({"blocks": 2}, {"adversarial_weight": 0.0})}
    served = ServedModels()
    for name, (changes, options) in kinds.items():
        config = tiny_config(**changes)
        save_checkpoint(tmp_path / name, "srgan", config, SRResNet(config), None, {"training": {"options": options}})
        served.add(name, gan_demo.load(str(tmp_path / name)))
    assert blend_ends(served, list(kinds)) == ("faithful", "textured", ["faithful", "student", "textured", "blended"])
    assert blend_ends(served, ["deeper", "textured"]) is None  # no content-loss model of the GAN model's layout
    assert blend_ends(served, ["faithful", "student"]) is None  # no GAN model at all
