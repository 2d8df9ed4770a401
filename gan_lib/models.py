"""Generator and discriminator builders.

Each builder returns a fresh, built ``keras.Model``: its layers are created once, so
every call reuses (and training updates) the same weights.  Discriminators return
raw logits with no sigmoid; the losses in ``gan_lib.losses`` expect logits.
"""

from __future__ import annotations

import keras

from gan_lib._checks import flag, positive_int


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
    name = _model_name(name)
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
    spectral_norm = flag(spectral_norm, "spectral_norm")
    input_dim = positive_int(input_dim, "input_dim")
    width = positive_int(width, "width")
    depth = positive_int(depth, "depth")
    name = _model_name(name)
    layers: list[keras.layers.Layer] = [keras.Input(shape=(input_dim,))]

    def dense(units: int) -> keras.layers.Layer:
        layer = keras.layers.Dense(units)
        return keras.layers.SpectralNormalization(layer) if spectral_norm else layer

    for _ in range(depth):
        layers.append(dense(width))
        layers.append(keras.layers.LeakyReLU(negative_slope=0.2))
    layers.append(dense(1))
    return keras.Sequential(layers, name=name)


def _model_name(name: object) -> str:
    """Check ``name`` is a usable Keras model name: a non-empty string without "/"."""
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a non-empty string without '/', got {name!r}")
    return name


def _image_shape(image_shape: object) -> tuple[int, int, int]:
    """Check ``image_shape`` is (height, width, channels) with height and width multiples of 4."""
    try:
        if isinstance(image_shape, (str, bytes)):
            raise TypeError
        shape = tuple(image_shape)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"image_shape must be a tuple (height, width, channels), got {image_shape!r}") from None
    if len(shape) != 3 or not all(isinstance(s, (int,)) and not isinstance(s, bool) and s > 0 for s in shape):
        raise ValueError(f"image_shape must be three positive integers (height, width, channels), got {image_shape!r}")
    height, width, channels = (int(s) for s in shape)
    # Two stride-2 layers halve (or double) the size twice, so both sides must divide by 4.
    if height % 4 or width % 4:
        raise ValueError(f"image_shape height and width must be multiples of 4, got {image_shape!r}")
    return height, width, channels


def conv_generator(
    latent_dim: int, image_shape: tuple[int, int, int], *, base_filters: int = 64, name: str = "generator"
) -> keras.Model:
    """A small DCGAN-style generator from noise of size ``latent_dim`` to images of ``image_shape``.

    The noise is projected to a (height/4, width/4, 2*base_filters) tensor, then two
    stride-2 transposed convolutions double the size twice: (8, 8, 1) digits start at
    2x2, (28, 28, 1) MNIST at 7x7.  Batch normalisation and ReLU follow every layer but
    the last (as in DCGAN, Radford et al. 2016); the output goes through tanh, so pixels
    lie in [-1, 1] like the images of ``gan_lib.data``.  The tanh runs in float32, so the
    output stays float32 under a mixed-precision policy.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    height, width, channels = _image_shape(image_shape)
    base_filters = positive_int(base_filters, "base_filters")
    name = _model_name(name)
    start_h, start_w = height // 4, width // 4
    # momentum 0.9 (not Keras' 0.99): the moving statistics that sample() uses catch up
    # within tens of steps instead of hundreds.
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            keras.layers.Dense(start_h * start_w * 2 * base_filters, use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.ReLU(),
            keras.layers.Reshape((start_h, start_w, 2 * base_filters)),
            keras.layers.Conv2DTranspose(base_filters, 4, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.ReLU(),
            keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same"),
            keras.layers.Activation("tanh", dtype="float32"),
        ],
        name=name,
    )


def conv_discriminator(
    image_shape: tuple[int, int, int],
    *,
    base_filters: int = 64,
    spectral_norm: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """A small DCGAN-style discriminator from images of ``image_shape`` to one logit each.

    Two stride-2 convolutions (``base_filters``, then twice as many) with LeakyReLU(0.2),
    a Flatten, and one Dense unit: the output is a logit (no sigmoid), shape (batch, 1).
    There is no batch normalisation: the training step shows the discriminator real and
    fake batches separately, and batch statistics would let it tell them apart by the batch.
    ``spectral_norm=True`` wraps every layer with weights in
    ``keras.layers.SpectralNormalization`` (Miyato et al. 2018) and keeps every layer in
    float32.  The last layer always computes in float32, so the logits stay float32 under a
    mixed-precision policy.
    """
    height, width, channels = _image_shape(image_shape)
    base_filters = positive_int(base_filters, "base_filters")
    spectral_norm = flag(spectral_norm, "spectral_norm")
    name = _model_name(name)

    # Spectral normalisation keeps the whole discriminator in float32: its power iteration is
    # unreliable in float16, and older Keras (3.5) has no float16 kernel for it on a CPU. Without
    # it only the last layer is float32, which is enough for float32 logits.
    dtype = "float32" if spectral_norm else None

    def maybe_normalised(layer: keras.layers.Layer) -> keras.layers.Layer:
        return keras.layers.SpectralNormalization(layer, dtype=dtype) if spectral_norm else layer

    return keras.Sequential(
        [
            keras.Input(shape=(height, width, channels)),
            maybe_normalised(keras.layers.Conv2D(base_filters, 4, strides=2, padding="same", dtype=dtype)),
            keras.layers.LeakyReLU(negative_slope=0.2, dtype=dtype),
            maybe_normalised(keras.layers.Conv2D(2 * base_filters, 4, strides=2, padding="same", dtype=dtype)),
            keras.layers.LeakyReLU(negative_slope=0.2, dtype=dtype),
            keras.layers.Flatten(dtype=dtype),
            maybe_normalised(keras.layers.Dense(1, dtype="float32")),
        ],
        name=name,
    )


# The TensorFlow DCGAN tutorial's networks (tensorflow.org/tutorials/generative/dcgan), for 28x28
# images.  ``filters`` = 64 is the tutorial's size; chapter 6 trains them at 32 on a CPU.
TUTORIAL_FILTERS = 64
TUTORIAL_LATENT_DIM = 100
TUTORIAL_IMAGE_SHAPE = (28, 28, 1)


def tutorial_generator(
    latent_dim: int = TUTORIAL_LATENT_DIM, *, filters: int = TUTORIAL_FILTERS, name: str = "generator"
) -> keras.Model:
    """The DCGAN tutorial's generator: noise to a (28, 28, 1) image in [-1, 1].

    Dense to 7x7x(4 ``filters``), then transposed 5x5 convolutions to 7x7x(2 ``filters``)
    (stride 1), 14x14x``filters`` and 28x28x1 (stride 2), with batch normalisation and
    LeakyReLU (slope 0.3, Keras' default) between them and tanh at the end; no biases
    before a batch normalisation.  The tanh runs in float32 under mixed precision.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    filters = positive_int(filters, "filters")
    name = _model_name(name)

    def normalised() -> list[keras.layers.Layer]:
        return [keras.layers.BatchNormalization(), keras.layers.LeakyReLU(negative_slope=0.3)]

    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            keras.layers.Dense(7 * 7 * 4 * filters, use_bias=False),
            *normalised(),
            keras.layers.Reshape((7, 7, 4 * filters)),
            keras.layers.Conv2DTranspose(2 * filters, 5, strides=1, padding="same", use_bias=False),
            *normalised(),
            keras.layers.Conv2DTranspose(filters, 5, strides=2, padding="same", use_bias=False),
            *normalised(),
            keras.layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False),
            keras.layers.Activation("tanh", dtype="float32"),
        ],
        name=name,
    )


def tutorial_discriminator(*, filters: int = TUTORIAL_FILTERS, name: str = "discriminator") -> keras.Model:
    """The DCGAN tutorial's discriminator: a (28, 28, 1) image to one logit.

    Two 5x5 stride-2 convolutions (``filters``, then twice as many), each followed by
    LeakyReLU (slope 0.3) and dropout 0.3, then one Dense unit in float32.
    """
    filters = positive_int(filters, "filters")
    name = _model_name(name)
    return keras.Sequential(
        [
            keras.Input(shape=TUTORIAL_IMAGE_SHAPE),
            keras.layers.Conv2D(filters, 5, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Dropout(0.3),
            keras.layers.Conv2D(2 * filters, 5, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Dropout(0.3),
            keras.layers.Flatten(),
            keras.layers.Dense(1, dtype="float32"),
        ],
        name=name,
    )


def same_architecture(a: keras.Model, b: keras.Model) -> bool:
    """Whether two models have the same layers with the same settings, in the same order
    (names aside): a check that a network written out in a chapter is the library's."""
    if not isinstance(a, keras.Model) or not isinstance(b, keras.Model):
        raise ValueError("same_architecture compares two keras.Model objects")

    def described(model: keras.Model) -> list[tuple[str, dict]]:
        out = []
        for layer in model.layers:
            config = {k: v for k, v in layer.get_config().items() if k not in ("name",)}
            out.append((type(layer).__name__, config))
        return out

    return described(a) == described(b)
