"""One module per GAN kind: its config dataclass, its networks and its ``KindSpec`` registration.

Modules here are found and imported by ``gan_demo.registry``; nothing imports them by name.
"""
