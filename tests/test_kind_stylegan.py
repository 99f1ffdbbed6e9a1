import pytest
import torch

import gan_demo
from gan_demo.images import to_pil_images
from gan_demo.kinds.stylegan import StyleGANConfig, StyleGANDiscriminator, StyleGANGenerator
from helpers import tiny_images
from kind_conformance import KindConformance
from train.augment import parse_policy
from train.cli import main
from train.loop import fit
from train.options import TrainOptions
from train.tasks.stylegan import StyleGANTask


def tiny_config():
    return StyleGANConfig(latent_dim=16, mapping_layers=2, image_size=16, base_width=8, max_width=16)


class TestStyleGANConformance(KindConformance):
    kind = "stylegan"

    def tiny_config(self):
        return tiny_config()

    def outputs(self, model, seed):
        return model.generate_tensor(model.sample_z(2, seed))

    def tiny_task(self, config):
        return StyleGANTask(config, StyleGANGenerator(config), StyleGANDiscriminator(config),
                            augment=parse_policy("translation"), r1_every=2)

    def tiny_data(self):
        return tiny_images(8, channels=3, size=16)


@pytest.fixture
def model(tmp_path):
    TestStyleGANConformance().saved(tmp_path / "style")
    loaded = gan_demo.load(str(tmp_path / "style"))
    with torch.no_grad():  # untrained: give the mapping a spread of styles and the layers some noise to show
        for layer in loaded.module.synthesis.layers:
            layer.noise_strength.fill_(0.1)
    return loaded


def pixels(image):
    return torch.tensor(list(image.getdata()), dtype=torch.float32)


def test_layers_count_style_inputs_coarse_to_fine(model):
    assert model.num_layers == 5  # 4 px: one convolution; 8 and 16 px: two each
    assert [model.layer_resolution(i) for i in range(5)] == [4, 8, 8, 16, 16]


def test_mix_ends_are_the_two_seeds_images(model):
    a, b = model.generate(1, seed=1)[0], model.generate(1, seed=2)[0]
    assert model.mix(1, 2, layers=(0, 0)).tobytes() == a.tobytes()
    assert model.mix(1, 2, layers=(0, model.num_layers)).tobytes() == b.tobytes()
    middle = model.mix(1, 2, layers=(0, 2))
    assert middle.tobytes() not in (a.tobytes(), b.tobytes())


def test_a_batch_of_mixes_is_the_single_mixes(model):
    cells = to_pil_images(model.mix_tensor([1, 1, 3], [2, 4, 5], layers=(1, 3), truncation=0.8))
    assert cells[2].tobytes() == model.mix(3, 5, layers=(1, 3), truncation=0.8).tobytes()
    with pytest.raises(ValueError, match="pairs of seeds"):
        model.mix_tensor([1, 2], [3], layers=(0, 1))
    with pytest.raises(ValueError, match="layers must be"):
        model.mix(1, 2, layers=(1, 2, 3))


def test_truncation_zero_gives_the_average_image_for_every_seed(model):
    model.module.mapping.w_average.normal_()
    first, second = model.generate(2, seed=9, truncation=0.0)
    assert first.tobytes() == second.tobytes()
    varied = model.generate(2, seed=9, truncation=1.0)
    assert varied[0].tobytes() != varied[1].tobytes()


def test_bad_layers_and_truncation_are_refused(model):
    with pytest.raises(ValueError, match="layers must be"):
        model.mix(1, 2, layers=(3, 1))
    with pytest.raises(ValueError, match="layers must be"):
        model.mix(1, 2, layers=(0, 9))
    with pytest.raises(ValueError, match="truncation"):
        model.generate(1, seed=0, truncation=1.5)
    with pytest.raises(ValueError, match="not conditional"):
        model.generate(1, seed=0, labels=3)


def test_training_tracks_the_average_style_and_regularises_lazily(tmp_path):
    torch.manual_seed(0)
    config = tiny_config()
    task = StyleGANTask(config, StyleGANGenerator(config), StyleGANDiscriminator(config), r1_every=16)
    options = TrainOptions(epochs=10, batch_size=4, log_every=10, device="cpu", betas=(0.0, 0.99), lr_g=2.5e-3,
                           lr_d=2.5e-3)
    fit(task, tiny_images(16, channels=3, size=16), options, tmp_path, show_progress=False)
    model = gan_demo.load(str(tmp_path))
    assert model.module.mapping.w_average.abs().sum() > 0
    losses = (tmp_path / "training" / "losses.csv").read_text().splitlines()
    header = losses[0].split(",")
    rows = [dict(zip(header, row.split(","))) for row in losses[1:]]
    assert [row["step"] for row in rows] == ["1", "10", "20", "30", "40"]
    # R1 runs at steps 0, 16 and 32 (counted from 0), yet every logged row shows its latest value
    assert all(row["loss_R1"] for row in rows) and rows[1]["loss_R1"] == rows[0]["loss_R1"]
    assert rows[2]["loss_R1"] != rows[1]["loss_R1"]


def test_the_cli_refuses_sizes_the_generator_cannot_draw(tmp_path, capsys):
    assert main(["stylegan", "--data", "openmoji", "--image-size", "28", "--out", str(tmp_path)]) == 2
    assert "32 or 64" in capsys.readouterr().err


def test_directions_are_principal_components_of_w_and_move_the_image(model, tmp_path):
    from train.tools.directions import principal_directions

    directions = principal_directions(model, samples=300, count=3, seed=0)
    assert directions.vectors.shape == (3, model.latent_dim)
    assert directions.explained_variance[0] >= directions.explained_variance[1] > 0
    z = model.sample_z(1, seed=4)
    moved = directions.apply(z, [3.0, 0.0, 0.0])
    assert model.generate(z=moved)[0].tobytes() != model.generate(z=z)[0].tobytes()
