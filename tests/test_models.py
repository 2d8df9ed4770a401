import keras
import numpy as np
import pytest

from gan_lib import models


def test_mlp_shapes_and_logits():
    generator = models.mlp_generator(8, 2, width=32, depth=2)
    discriminator = models.mlp_discriminator(2, width=32, depth=2)
    points = generator(np.random.default_rng(0).standard_normal((5, 8)).astype("float32"))
    assert tuple(points.shape) == (5, 2)
    scores = discriminator(points).numpy()
    assert scores.shape == (5, 1)
    # Logits, not probabilities: with large inputs the output leaves [0, 1].
    big = discriminator(np.full((1, 2), 1e4, dtype="float32")).numpy()
    assert not (0.0 <= big.item() <= 1.0)


def test_builders_make_new_weights_each_time_and_keep_them():
    a, b = models.mlp_generator(4, 2), models.mlp_generator(4, 2)
    assert not np.allclose(a.get_weights()[0], b.get_weights()[0])
    x = np.ones((1, 4), dtype="float32")
    np.testing.assert_array_equal(a(x).numpy(), a(x).numpy())  # same layers on every call


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: models.mlp_generator(0, 2), "latent_dim"),
        (lambda: models.mlp_generator(4, 0), "output_dim"),
        (lambda: models.mlp_generator(4, 2, width=-1), "width"),
        (lambda: models.mlp_discriminator(2, depth=0), "depth"),
        (lambda: models.mlp_discriminator(2.0), "input_dim"),
    ],
)
def test_bad_arguments(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_spectral_norm_makes_every_layer_and_the_discriminator_1_lipschitz():
    rng = np.random.default_rng(0)
    points = rng.standard_normal((64, 2)).astype("float32")
    plain = models.mlp_discriminator(2, width=32, depth=2)
    normalised = models.mlp_discriminator(2, width=32, depth=2, spectral_norm=True)
    plain_sigmas = [np.linalg.svd(w, compute_uv=False)[0] for w in plain.get_weights() if w.ndim == 2]
    assert max(abs(s - 1.0) for s in plain_sigmas) > 0.1  # without it the layers are not normalised
    for _ in range(30):  # each training call takes one power-iteration step
        normalised(points, training=True)
    kernels = [layer.layer.kernel.numpy() for layer in normalised.layers if hasattr(layer, "layer")]
    assert len(kernels) == 3
    for kernel in kernels:
        assert np.linalg.svd(kernel, compute_uv=False)[0] == pytest.approx(1.0, abs=1e-2)
    # LeakyReLU is 1-Lipschitz, so |D(x) - D(y)| <= ||x - y|| (up to the power iteration's error).
    x, y = points * 5, rng.standard_normal((64, 2)).astype("float32") * 5
    ratio = np.abs(normalised(x).numpy() - normalised(y).numpy()).ravel() / np.linalg.norm(x - y, axis=1)
    assert ratio.max() <= 1.01


def test_spectral_norm_must_be_a_bool():
    with pytest.raises(ValueError, match="spectral_norm"):
        models.mlp_discriminator(2, spectral_norm="yes")
IMAGE_SHAPES = [(8, 8, 1), (28, 28, 1)]


@pytest.mark.parametrize("image_shape", IMAGE_SHAPES)
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_conv_builders_shapes_range_and_logits(image_shape, spectral_norm):
    generator = models.conv_generator(16, image_shape, base_filters=8)
    discriminator = models.conv_discriminator(image_shape, base_filters=8, spectral_norm=spectral_norm)
    noise = 10.0 * np.random.default_rng(0).standard_normal((5, 16)).astype("float32")
    images = generator(noise, training=True).numpy()
    assert images.shape == (5, *image_shape)
    # tanh output: inside [-1, 1] even for large noise, and not constant.
    assert images.min() >= -1.0 and images.max() <= 1.0 and images.std() > 0
    logits = discriminator(images, training=True).numpy()
    assert logits.shape == (5, 1)
    # One logit per image (Flatten before Dense), and not squashed into [0, 1].
    big = discriminator(np.full((1, *image_shape), 50.0, dtype="float32")).numpy()
    assert not (0.0 <= big.item() <= 1.0)
    assert isinstance(discriminator.layers[-1], keras.layers.SpectralNormalization) == spectral_norm


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_conv_builders_keep_float32_outputs_under_mixed_precision(spectral_norm):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        generator = models.conv_generator(8, (8, 8, 1), base_filters=4)
        discriminator = models.conv_discriminator((8, 8, 1), base_filters=4, spectral_norm=spectral_norm)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert generator.layers[1].compute_dtype == "float16"  # the hidden layers really run in float16
    images = generator(np.ones((2, 8), "float32"), training=True)
    logits = discriminator(images, training=True)
    assert images.dtype == "float32" and logits.dtype == "float32"
    assert all(v.dtype == "float32" for v in generator.weights + discriminator.weights)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: models.conv_generator(8, (10, 10, 1)), "image_shape"),
        (lambda: models.conv_generator(8, (8, 8)), "image_shape"),
        (lambda: models.conv_generator(8, (8, 8, 0)), "image_shape"),
        (lambda: models.conv_generator(8, "8x8"), "image_shape"),
        (lambda: models.conv_generator(8, 8), "image_shape"),
        (lambda: models.conv_generator(0, (8, 8, 1)), "latent_dim"),
        (lambda: models.conv_generator(8, (8, 8, 1), base_filters=0), "base_filters"),
        (lambda: models.conv_discriminator((28, 30, 1)), "image_shape"),
        (lambda: models.conv_discriminator((8.0, 8, 1)), "image_shape"),
        (lambda: models.conv_discriminator((8, 8, 1), spectral_norm=1), "spectral_norm"),
    ],
)
def test_conv_bad_arguments(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
