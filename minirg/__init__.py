"""minirg: renormalization group and autoencoders on the 2D Ising model."""

__version__ = "0.1.0"
