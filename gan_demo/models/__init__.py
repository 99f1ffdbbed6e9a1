"""Pure ``nn.Module``s, one file per GAN family; no file I/O here."""
from .cgan import CGANConfig, CGANDiscriminator, CGANGenerator
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from .pix2pix import Pix2PixConfig, PatchDiscriminator, UnetGenerator

# kind -> (config class, generator class, discriminator class)
MODEL_KINDS = {
    "dcgan": (DCGANConfig, DCGANGenerator, DCGANDiscriminator),
    "cgan": (CGANConfig, CGANGenerator, CGANDiscriminator),
    "pix2pix": (Pix2PixConfig, UnetGenerator, PatchDiscriminator),
}

__all__ = [
    "MODEL_KINDS",
    "CGANConfig",
    "CGANDiscriminator",
    "CGANGenerator",
    "DCGANConfig",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "Pix2PixConfig",
    "PatchDiscriminator",
    "UnetGenerator",
]
