import torch

from train.augment import AUGMENTATIONS, POLICIES, diff_augment, parse_policy, translation


def bright_squares(n: int = 32, size: int = 28) -> torch.Tensor:
    """Light-on-dark drawings as MNIST has them: a background of -1 and a bright 8-pixel square off the centre."""
    images = torch.full((n, 1, size, size), -1.0)
    images[:, :, 8:16, 10:18] = 1.0
    return images


def test_every_policy_is_known_changes_the_images_keeps_their_shape_and_lets_gradients_through():
    assert set(POLICIES) == set(AUGMENTATIONS)
    torch.manual_seed(0)
    images = bright_squares().requires_grad_()
    augmented = diff_augment(images, parse_policy(",".join(POLICIES)))
    assert augmented.shape == images.shape
    assert not torch.equal(augmented[0], augmented[1])  # each image its own transform
    augmented.sum().backward()
    assert images.grad.abs().sum() > 0


def test_translation_moves_each_square_its_own_way_without_resizing_it():
    torch.manual_seed(0)
    moved = translation(bright_squares())
    bright = moved > 0
    assert bright.sum(dim=(1, 2, 3)).le(64).all() and bright.any(dim=(1, 2, 3)).all()
    columns = bright.any(dim=2).float().argmax(dim=-1).flatten()  # each square's left edge
    assert len(columns.unique()) > 3
