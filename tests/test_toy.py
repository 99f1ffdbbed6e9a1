"""The original GAN on 2-D points: it learns the ring with its default stabilisers, its players step alone,
and it stays deterministic and refuses bad settings."""
import numpy as np
import pytest
import torch

from gan_demo.toy import LOSSES, ToyGAN


def test_the_default_game_covers_the_ring():
    gan = ToyGAN("ring", seed=1)
    gan.train(5000)
    covered, modes, off = gan.mode_coverage()
    assert modes == 8 and covered >= 7 and off <= 0.25, (covered, off)
    assert gan.sample(300).shape == (300, 2) and gan.real_sample(300).shape == (300, 2)


@pytest.mark.parametrize("loss", LOSSES)
def test_every_value_function_trains_without_stabilisers(loss):
    gan = ToyGAN("two-moons", loss=loss, seed=0, r1=0.0, ema=0.0)
    losses = gan.train(200)
    assert all(np.isfinite(v) for v in losses.values()) and np.isfinite(gan.sample(50)).all()


def test_stepping_one_player_leaves_the_other_alone():
    gan = ToyGAN("grid", seed=0)
    forger = [p.detach().clone() for p in gan.generator.parameters()]
    detective = [p.detach().clone() for p in gan.discriminator.parameters()]
    gan.step(detective=True, forger=False)
    assert all(torch.equal(a, b) for a, b in zip(forger, gan.generator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(detective, gan.discriminator.parameters()))
    moved = [p.detach().clone() for p in gan.discriminator.parameters()]
    gan.step(detective=False, forger=True)
    assert all(torch.equal(a, b) for a, b in zip(moved, gan.discriminator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(forger, gan.generator.parameters()))


def test_the_same_seed_gives_the_same_game_and_drawn_points_train():
    a, b = ToyGAN("spiral", seed=4), ToyGAN("spiral", seed=4)
    a.train(100), b.train(100)
    assert np.array_equal(a.sample(64), b.sample(64))
    drawn = ToyGAN(np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 1.0]]), seed=0)
    drawn.train(50)
    assert np.isfinite(drawn.sample(10)).all()
    belief = drawn.belief(np.zeros((3, 2)))
    assert ((belief >= 0) & (belief <= 1)).all() and drawn.forger_gradient(np.zeros((5, 2))).shape == (5, 2)


@pytest.mark.parametrize("kwargs, message", [
    ({"distribution": "moon"}, "distribution must be one of"),
    ({"loss": "wasserstein"}, "loss must be one of"),
    ({"distribution": np.zeros((3, 3))}, r"an \(N, 2\) array"),
    ({"distribution": np.full((2, 2), np.nan)}, "finite"),
])
def test_bad_settings_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ToyGAN(**kwargs)
    with pytest.raises(ValueError, match="steps"):
        ToyGAN().train(-1)
