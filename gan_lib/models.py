"""Generator and discriminator builders.

Each builder returns a fresh, built ``keras.Model``: its layers are created once, so
every call reuses (and training updates) the same weights.  Discriminators return
raw logits with no sigmoid; the losses in ``gan_lib.losses`` expect logits.
"""

from __future__ import annotations

import keras

from gan_lib._checks import positive_int


def mlp_generator(
    latent_dim: int, output_dim: int, *, width: int = 128, depth: int = 3, name: str = "generator"
) -> keras.Model:
    """An MLP from noise of size ``latent_dim`` to points of size ``output_dim``.

    ``depth`` hidden Dense layers of ``width`` units with ReLU, then a linear output
    layer, so the samples are not confined to a bounded range.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    output_dim = positive_int(output_dim, "output_dim")
    width = positive_int(width, "width")
    depth = positive_int(depth, "depth")
    layers: list[keras.layers.Layer] = [keras.Input(shape=(latent_dim,))]
    for _ in range(depth):
        layers.append(keras.layers.Dense(width, activation="relu"))
    layers.append(keras.layers.Dense(output_dim))
    return keras.Sequential(layers, name=name)


def mlp_discriminator(
    input_dim: int, *, width: int = 128, depth: int = 3, spectral_norm: bool = False, name: str = "discriminator"
) -> keras.Model:
    """An MLP from points of size ``input_dim`` to one logit per point.

    ``depth`` hidden Dense layers of ``width`` units with LeakyReLU(0.2), then a
    linear layer of one unit: the output is a logit, D(x) = sigmoid(logit).

    With ``spectral_norm=True`` every Dense layer is wrapped in Keras'
    ``SpectralNormalization`` (Miyato et al. 2018): each call in training mode takes one
    power-iteration step and divides the kernel by its estimated largest singular value,
    so after a few training calls every layer, and with it D, is about 1-Lipschitz.
    For a packed discriminator (PacGAN, ``GAN.compile(pack=m)``) pass ``input_dim = m * dim``.
    """
    if not isinstance(spectral_norm, bool):
        raise ValueError(f"spectral_norm must be True or False, got {spectral_norm!r}")
    input_dim = positive_int(input_dim, "input_dim")
    width = positive_int(width, "width")
    depth = positive_int(depth, "depth")
    layers: list[keras.layers.Layer] = [keras.Input(shape=(input_dim,))]

    def dense(units: int) -> keras.layers.Layer:
        layer = keras.layers.Dense(units)
        return keras.layers.SpectralNormalization(layer) if spectral_norm else layer

    for _ in range(depth):
        layers.append(dense(width))
        layers.append(keras.layers.LeakyReLU(negative_slope=0.2))
    layers.append(dense(1))
    return keras.Sequential(layers, name=name)
