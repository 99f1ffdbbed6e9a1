"""Independent re-implementations of the reference layouts, written from their documented key structure
(not from this project's modules), to prove foreign weights load and reproduce their outputs."""
from torch import nn


def pytorch_examples_generator(nz=100, ngf=64, nc=3) -> nn.Module:
    """pytorch/examples dcgan/main.py's Generator: one Sequential called ``main``."""

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

        def forward(self, z):
            return self.main(z)

    return Generator()


def huggan_generator(nz=100, ngf=64, nc=1) -> nn.Module:
    """HugGAN's DCGAN: the same stack under the attribute ``model``."""
    generator = pytorch_examples_generator(nz, ngf, nc)
    generator.model = generator.main
    del generator.main
    generator.forward = lambda z: generator.model(z)
    return generator


class ReferenceBlock(nn.Module):
    """One level of the reference U-Net: ``self.model`` is a Sequential, the input is concatenated unless outermost."""

    def __init__(self, outer, inner, sub=None, input_nc=None, kind="middle", dropout=False, batch_norm=True):
        super().__init__()
        self.outermost = kind == "outer"
        norm = (lambda c: nn.BatchNorm2d(c)) if batch_norm else (lambda c: nn.InstanceNorm2d(c))
        bias = not batch_norm
        down = nn.Conv2d(input_nc or outer, inner, 4, 2, 1, bias=bias)
        if kind == "outer":
            seq = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif kind == "inner":
            seq = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                   nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias), norm(outer)]
        else:
            seq = [nn.LeakyReLU(0.2, True), down, norm(inner), sub, nn.ReLU(True),
                   nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=bias), norm(outer)]
            seq += [nn.Dropout(0.5)] if dropout else []
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        import torch

        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def reference_unet(input_nc=3, output_nc=3, num_downs=8, ngf=64, batch_norm=True) -> nn.Module:
    block = ReferenceBlock(ngf * 8, ngf * 8, kind="inner", batch_norm=batch_norm)
    for _ in range(num_downs - 5):
        block = ReferenceBlock(ngf * 8, ngf * 8, block, dropout=True, batch_norm=batch_norm)
    for outer, inner in ((ngf * 4, ngf * 8), (ngf * 2, ngf * 4), (ngf, ngf * 2)):
        block = ReferenceBlock(outer, inner, block, batch_norm=batch_norm)

    class UnetGenerator(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = ReferenceBlock(output_nc, ngf, block, input_nc=input_nc, kind="outer", batch_norm=batch_norm)

        def forward(self, x):
            return self.model(x)

    return UnetGenerator()
