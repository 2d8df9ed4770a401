"""GAN.train_rounds (gan_lib/rounds.py): k discriminator steps then m generator steps per round,
the loop of both interactive games; and GAN.set_learning_rates."""


import keras
import numpy as np
import pytest
import tensorflow as tf
from module_imports import gan_lib_parts

import gan_lib as gl

REAL = gl.data.ring(200, seed=0)
BATCH = 16


@pytest.fixture
def two_gans(tiny_gan):
    """Two GANs with the same weights, optimisers and noise seed (the shared tiny GAN, narrower)."""
    return tiny_gan(width=8, depth=1), tiny_gan(width=8, depth=1)


def weights(model):
    return [w.copy() for w in model.get_weights()]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_zero_generator_steps_freeze_the_generator_and_give_nan_losses(tiny_gan):
    gan = tiny_gan(width=8, depth=1)
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    d_losses, g_losses = gan.train_rounds(REAL, 4, 2, 0, batch_size=BATCH)
    assert d_losses.shape == g_losses.shape == (4,) and d_losses.dtype == np.float32
    assert np.all(np.isfinite(d_losses)) and np.all(np.isnan(g_losses))
    assert same(g_before, weights(gan.generator)) and not same(d_before, weights(gan.discriminator))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (8, 0)


def test_zero_discriminator_steps_freeze_the_discriminator(tiny_gan):
    gan = tiny_gan(width=8, depth=1)
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    d_losses, g_losses = gan.train_rounds(REAL, 3, 0, 2, batch_size=BATCH)
    assert np.all(np.isnan(d_losses)) and np.all(np.isfinite(g_losses))
    assert same(d_before, weights(gan.discriminator)) and not same(g_before, weights(gan.generator))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (0, 6)


def test_one_round_of_k_discriminator_steps_equals_k_discriminator_step_calls(two_gans):
    a, b = two_gans
    k = 3
    rows = np.random.default_rng(1).integers(0, len(REAL), (1, k, BATCH))
    d_losses, g_losses = a.train_rounds(REAL, 1, k, 0, batch_size=BATCH, rows=rows)
    step = tf.function(b.discriminator_step)
    losses = [float(step(tf.constant(REAL[rows[0, j]]))[0]) for j in range(k)]
    for x, y in zip(weights(a.discriminator), weights(b.discriminator)):
        np.testing.assert_array_equal(x, y)
    assert d_losses[0] == np.float32(losses[-1]) and np.isnan(g_losses[0])


def test_rounds_alternate_like_discriminator_then_generator_steps(two_gans):
    a, b = two_gans
    rows = np.random.default_rng(2).integers(0, len(REAL), (2, 1, BATCH))
    a.train_rounds(REAL, 2, 1, 1, batch_size=BATCH, rows=rows)
    d_step, g_step = tf.function(b.discriminator_step), tf.function(b.generator_step)
    for i in range(2):
        d_step(tf.constant(REAL[rows[i, 0]]))
        g_step(BATCH)
    for x, y in zip(a.player_weights().values(), b.player_weights().values()):
        np.testing.assert_array_equal(x, y)


def test_batches_come_from_the_generator_given(two_gans, tiny_gan):
    a, b = two_gans
    a.train_rounds(REAL, 5, batch_size=BATCH, batches=tf.random.Generator.from_seed(7))
    b.train_rounds(REAL, 5, batch_size=BATCH, batches=tf.random.Generator.from_seed(7))
    assert same(weights(a.discriminator), weights(b.discriminator))
    c = tiny_gan(width=8, depth=1)
    c.train_rounds(REAL, 5, batch_size=BATCH, batches=tf.random.Generator.from_seed(8))
    assert not same(weights(a.discriminator), weights(c.discriminator))


@pytest.mark.slow
def test_without_a_seed_the_default_batches_follow_keras_global_seed(tiny_gan):
    trained = []
    for seed in (3, 3, 4):
        keras.utils.set_random_seed(seed)
        gan = tiny_gan(width=8, depth=1, seed=None)
        gan.train_rounds(REAL, 3, batch_size=BATCH)
        trained.append(weights(gan.discriminator))
    assert same(trained[0], trained[1]) and not same(trained[0], trained[2])


def test_default_discriminator_steps_are_compiles_and_the_loop_is_traced_once_per_compile(tiny_gan):
    gan = tiny_gan(width=8, depth=1, d_steps=3)
    gan.train_rounds(REAL, 2, batch_size=BATCH)
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (6, 2)
    gan.train_rounds(REAL, 5, 1, 2, batch_size=BATCH)
    function = gan._rounds._function
    assert function.experimental_get_tracing_count() == 1
    gan.compile(gan.d_optimizer, gan.g_optimizer, loss="least_squares")  # the loss is traced in: a new loop
    gan.train_rounds(REAL, 1, batch_size=BATCH)
    assert gan._rounds._function is not function and int(gan.g_optimizer.iterations) == 2 + 5 * 2 + 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda gan: gan.train_rounds(REAL, 0, batch_size=BATCH), "rounds must be a positive integer"),
        (lambda gan: gan.train_rounds(REAL, 2, 0, 0, batch_size=BATCH), "both 0"),
        (lambda gan: gan.train_rounds(REAL, 2, -1, 1, batch_size=BATCH), "d_steps_per_round"),
        (lambda gan: gan.train_rounds(REAL, 2, 1, 1.5, batch_size=BATCH), "g_steps_per_round"),
        (lambda gan: gan.train_rounds(REAL, 2, batch_size=0), "batch_size"),
        (lambda gan: gan.train_rounds(np.zeros((10, 3), np.float32), 2, batch_size=BATCH), "real must hold points"),
        (lambda gan: gan.train_rounds(np.zeros((0, 2), np.float32), 2, batch_size=BATCH), "real must not be empty"),
        (lambda gan: gan.train_rounds(np.full((4, 2), np.nan), 2, batch_size=BATCH), "real contains NaN"),
        (
            lambda gan: gan.train_rounds(REAL, 2, 1, 1, batch_size=BATCH, batches=np.random.default_rng(0)),
            "batches must be a tf.random.Generator",
        ),
        (
            lambda gan: gan.train_rounds(REAL, 2, 1, 1, batch_size=4, rows=np.zeros((2, 2, 4), int)),
            r"rows must have shape \(rounds, d_steps_per_round, batch_size\) = \(2, 1, 4\)",
        ),
        (
            lambda gan: gan.train_rounds(REAL, 1, 1, 1, batch_size=2, rows=[[[0, len(REAL)]]]),
            "rows must be indices into real, from 0 to 199",
        ),
        (lambda gan: gan.train_rounds(REAL, 1, 1, 1, batch_size=2, rows=[[[0.0, 1.0]]]), "rows must hold integers"),
        (
            lambda gan: gan.train_rounds(
                REAL, 1, 1, 1, batch_size=2, rows=[[[0, 1]]], batches=tf.random.Generator.from_seed(0)
            ),
            "rows or batches, not both",
        ),
    ],
)
def test_bad_rounds_are_refused_with_a_plain_message(tiny_gan, call, message):
    gan = tiny_gan(width=8, depth=1)
    before = weights(gan.discriminator)
    with pytest.raises(ValueError, match=message):
        call(gan)
    assert same(before, weights(gan.discriminator)) and int(gan.g_optimizer.iterations) == 0


def test_train_rounds_needs_a_compiled_gan(tiny_gan):
    with pytest.raises(ValueError, match="compile the GAN before train_rounds"):
        tiny_gan(width=8, depth=1, compile=False).train_rounds(REAL, 1, batch_size=BATCH)


def test_set_learning_rates_changes_the_rates_in_place(tiny_gan):
    gan = tiny_gan(width=8, depth=1)
    gan.train_rounds(REAL, 2, batch_size=BATCH)
    function = gan._rounds._function
    gan.set_learning_rates(3e-2)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(3e-2)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-3)  # None: unchanged
    assert int(gan.d_optimizer.iterations) == 2  # the optimiser's state is kept
    # The traced loop reads the new rate: Adam's first steps move each weight by about the rate.
    gan.set_learning_rates(g_learning_rate=5e-2)
    g_before = weights(gan.generator)
    gan.train_rounds(REAL, 1, 0, 1, batch_size=BATCH)
    move = max(np.abs(a - b).max() for a, b in zip(g_before, weights(gan.generator)))
    assert 1e-2 < move < 1e-1 and gan._rounds._function is function


def test_bad_learning_rates_are_refused(tiny_gan):
    gan = tiny_gan(width=8, depth=1)
    with pytest.raises(ValueError, match="d_learning_rate must be a finite number > 0"):
        gan.set_learning_rates(0.0)
    with pytest.raises(ValueError, match="g_learning_rate"):
        gan.set_learning_rates(g_learning_rate="fast")
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 100, 0.5)
    gan.compile(keras.optimizers.Adam(schedule), keras.optimizers.Adam(1e-3))
    with pytest.raises(ValueError, match="d_learning_rate cannot be set: .* a schedule"):
        gan.set_learning_rates(1e-2)
    with pytest.raises(ValueError, match="compile the GAN before set_learning_rates"):
        tiny_gan(width=8, depth=1, compile=False).set_learning_rates(1e-3)


def test_the_modules_below_training_do_not_import_it():
    """Dependencies point one way: what GAN is built from never imports the training module (or
    anything above it), and the playground's controls never import the playground's game."""
    below = {
        "training_parts": {"training", "rounds", "fitting"},
        "rounds": {"training", "fitting"},
        "fitting": {"training", "rounds"},
        "divergence": {"training", "fitting", "rounds", "training_parts", "checkpoints"},
        "checkpoints": {"training", "fitting", "rounds", "training_parts", "divergence"},
        "playground_controls": {"playground_2d", "game_1d", "widgets"},
    }
    higher = {"recipes", "sweep", "plotting", "widgets", "widget_base", "game_1d", "playground_2d"}
    for module, forbidden in below.items():
        imported = gan_lib_parts(module)
        bad = imported & (forbidden | (higher - ({"widget_base"} if module == "playground_controls" else set())))
        assert not bad, f"gan_lib.{module} imports {sorted(bad)}, which sit above it"
