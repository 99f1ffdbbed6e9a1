import math

import numpy as np
import pytest
import torch
from PIL import Image

import gan_demo
from gan_demo.latent import gif_bytes, interpolation_path, slerp
from helpers import make_checkpoint


@pytest.fixture
def cgan(tmp_path):
    return gan_demo.load(str(make_checkpoint(tmp_path / "cgan", "cgan")))


@pytest.fixture
def dcgan(tmp_path):
    return gan_demo.load(str(make_checkpoint(tmp_path / "dcgan", "dcgan")))


def pixels(images):
    return np.stack([np.asarray(image) for image in images])


def test_same_seed_same_images_and_different_seeds_differ(dcgan):
    first, again, other = (pixels(dcgan.generate(4, seed=s)) for s in (7, 7, 8))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == (4, 32, 32, 3)


def test_labels_by_index_or_name_and_per_image(cgan):
    by_index = pixels(cgan.generate(2, seed=1, labels=7))
    by_name = pixels(cgan.generate(2, seed=1, labels="7"))
    assert np.array_equal(by_index, by_name)
    mixed = pixels(cgan.generate(2, seed=1, labels=[7, 3]))
    assert np.array_equal(mixed[0], by_index[0]) and not np.array_equal(mixed[1], by_index[1])


@pytest.mark.parametrize("labels", [10, -1, "seven", 2.5, None, [1, 2, 3]])
def test_wrong_labels_are_explained(cgan, labels):
    with pytest.raises(ValueError, match="label"):
        cgan.generate(2, seed=0, labels=labels)


def test_a_dcgan_refuses_labels(dcgan):
    with pytest.raises(ValueError, match="not conditional"):
        dcgan.generate(1, seed=0, labels=3)


@pytest.mark.parametrize("seed", [math.nan, math.inf, -1, 2**64, 1.5, "12", True])
def test_bad_seeds_are_explained(dcgan, seed):
    with pytest.raises(ValueError, match="seed"):
        dcgan.generate(1, seed=seed)


@pytest.mark.parametrize("truncation", [math.nan, -0.1, 1.5, math.inf])
def test_bad_truncation_is_explained(dcgan, truncation):
    with pytest.raises(ValueError, match="truncation"):
        dcgan.generate(1, seed=0, truncation=truncation)


def test_truncation_zero_gives_the_mean_image_for_every_seed(dcgan):
    assert np.array_equal(pixels(dcgan.generate(1, seed=1, truncation=0)),
                          pixels(dcgan.generate(1, seed=2, truncation=0)))


def test_explicit_z_matches_the_seed_path(dcgan):
    z = dcgan.sample_z(3, seed=11)
    assert np.array_equal(pixels(dcgan.generate(z=z)), pixels(dcgan.generate(3, seed=11)))
    with pytest.raises(ValueError, match="NaN"):
        dcgan.generate(z=torch.full((1, 100), math.nan))


def test_slerp_endpoints_and_norm():
    a, b = torch.randn(1, 100), torch.randn(1, 100)
    assert torch.allclose(slerp(a, b, 0.0), a, atol=1e-6)
    assert torch.allclose(slerp(a, b, 1.0), b, atol=1e-6)
    path = interpolation_path(a, b, 9)
    assert path.shape == (9, 100)
    assert torch.allclose(path[0], a[0], atol=1e-6) and torch.allclose(path[-1], b[0], atol=1e-6)
    # midway on the great circle the norm stays between the endpoint norms (linear interpolation shrinks it)
    assert path[4].norm() >= min(a.norm(), b.norm()) * 0.99


def test_gif_has_the_asked_number_of_frames(dcgan):
    import io

    frames = dcgan.generate(z=interpolation_path(dcgan.sample_z(1, 0), dcgan.sample_z(1, 1), 6))
    gif = Image.open(io.BytesIO(gif_bytes(frames)))
    assert gif.n_frames == 6


def test_label_blend_starts_and_ends_at_the_two_labels(cgan):
    frames = cgan.blend_labels("1", "8", seed=3, frames=5)
    assert len(frames) == 5
    assert np.array_equal(np.asarray(frames[0]), np.asarray(cgan.generate(1, seed=3, labels="1")[0]))
    assert np.array_equal(np.asarray(frames[-1]), np.asarray(cgan.generate(1, seed=3, labels="8")[0]))
