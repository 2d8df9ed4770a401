import functools
import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_lib as gl


@pytest.fixture
def small_gan(tiny_gan):
    """The shared tiny GAN (tests/conftest.py) at this file's sizes, uncompiled and unseeded."""
    return functools.partial(tiny_gan, latent_dim=8, width=64, depth=3, seed=None, compile=False)


def adam():
    return keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)


def test_fit_reports_the_four_trackers_and_updates_both_players(small_gan):
    gan = small_gan()
    gan.compile(adam(), adam())
    g_before = [w.copy() for w in gan.generator.get_weights()]
    d_before = [w.copy() for w in gan.discriminator.get_weights()]
    history = gan.fit(
        gl.data.as_dataset(gl.data.ring(2048, seed=0), 64, seed=0), epochs=2, steps_per_epoch=20, verbose=0
    )
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    for values in history.history.values():
        assert len(values) == 2 and np.all(np.isfinite(values))
    assert 0 < history.history["d_real"][-1] < 1 and 0 < history.history["d_fake"][-1] < 1
    assert any(not np.allclose(a, b) for a, b in zip(g_before, gan.generator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, gan.discriminator.get_weights()))
    assert int(gan.g_optimizer.iterations) == int(gan.d_optimizer.iterations) == 40


def test_every_step_draws_fresh_noise(small_gan):
    gan = small_gan()
    gan.compile(adam(), adam())
    first, second = gan._noise(4), gan._noise(4)
    assert not np.allclose(first.numpy(), second.numpy())


def test_sample_is_reproducible_and_batched(small_gan):
    gan = small_gan()
    a = gan.sample(100, seed=7)
    b = gan.sample(100, seed=7, batch_size=33)
    assert a.shape == (100, 2) and isinstance(a, np.ndarray)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a, gan.sample(100, seed=8))


@pytest.mark.slow
def test_short_training_raises_mode_coverage(small_gan):
    centers = gl.data.ring_centers()
    gan = small_gan(latent_dim=16, width=128)
    gan.compile(adam(), adam())
    before = gl.metrics.mode_coverage(gan.sample(2500, seed=1), centers, 0.01)
    gan.fit(gl.data.as_dataset(gl.data.ring(20_000, seed=0), 256, seed=0), epochs=1, steps_per_epoch=2500, verbose=0)
    after = gl.metrics.mode_coverage(gan.sample(2500, seed=1), centers, 0.01)
    assert before["modes"] <= 1 and before["high_quality"] < 0.01
    assert after["modes"] >= 6, after
    assert after["high_quality"] > 0.2, after


@pytest.mark.slow
def test_snapshots_record_the_untrained_generator_and_each_epoch(small_gan):
    gan = small_gan()
    gan.compile(adam(), adam())
    snapshots = gl.training.Snapshots(50, seed=0)
    gan.fit(
        gl.data.as_dataset(gl.data.ring(512, seed=0), 32), epochs=3, steps_per_epoch=5, callbacks=[snapshots], verbose=0
    )
    assert snapshots.steps == [0, 5, 10, 15]
    assert [s.shape for s in snapshots.samples] == [(50, 2)] * 4
    assert not np.allclose(snapshots.samples[0], snapshots.samples[-1])


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: gl.GAN(gl.models.mlp_generator(4, 2), gl.models.mlp_discriminator(2), latent_dim=5), "latent_dim"),
        (lambda: gl.GAN(gl.models.mlp_generator(4, 2), gl.models.mlp_discriminator(2), latent_dim=0), "latent_dim"),
        (lambda: gl.GAN("generator", gl.models.mlp_discriminator(2), latent_dim=4), "generator"),
        (lambda: gl.GAN(gl.models.mlp_generator(4, 2), None, latent_dim=4), "discriminator"),
    ],
)
def test_bad_construction(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


def test_bad_compile(small_gan):
    gan = small_gan()
    with pytest.raises(ValueError, match="loss must be one of"):
        gan.compile(adam(), adam(), loss="wgan")
    shared = adam()
    with pytest.raises(ValueError, match="separate"):
        gan.compile(shared, shared)
    with pytest.raises(ValueError, match="d_optimizer"):
        gan.compile("adam", adam())
    with pytest.raises(ValueError, match="n must be"):
        gan.sample(0)


def test_single_player_steps_update_only_their_player(small_gan):
    gan = small_gan()
    gan.compile(adam(), adam())
    real = gl.data.ring(64, seed=0)
    g_before, d_before = gan.generator.get_weights(), gan.discriminator.get_weights()
    d_loss, real_logits, fake_logits = gan.discriminator_step(real)
    assert np.isfinite(float(d_loss)) and tuple(real_logits.shape) == tuple(fake_logits.shape) == (64, 1)
    assert all(np.array_equal(a, b) for a, b in zip(g_before, gan.generator.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(d_before, gan.discriminator.get_weights()))
    d_after = gan.discriminator.get_weights()
    assert np.isfinite(float(gan.generator_step(64)))
    assert all(np.array_equal(a, b) for a, b in zip(d_after, gan.discriminator.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(g_before, gan.generator.get_weights()))


# --- The stabilising tricks of GAN.compile, each against a hand computation. ---


def linear_gan(w, b, fake_point, *, latent_dim=3, generator_kernel=None):
    """D(x) = w.x + b and a generator whose output is ``fake_point`` whatever the noise
    (zero kernel), unless ``generator_kernel`` is given."""
    generator = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(2)])
    kernel = np.zeros((latent_dim, 2)) if generator_kernel is None else generator_kernel
    generator.set_weights([np.asarray(kernel, np.float32), np.asarray(fake_point, np.float32)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    discriminator.set_weights([np.reshape(np.asarray(w, np.float32), (2, 1)), np.array([b], np.float32)])
    return gl.GAN(generator, discriminator, latent_dim=latent_dim, seed=0)


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def _softplus(t):
    return np.logaddexp(0.0, t)


@pytest.mark.parametrize(
    ("options", "extra_loss", "extra_gradient"),
    [
        ({}, lambda w: 0.0, lambda w: 0.0),
        ({"r1": 0.5}, lambda w: 0.25 * w @ w, lambda w: 0.5 * w),
        ({"r2": 2.0}, lambda w: 1.0 * w @ w, lambda w: 2.0 * w),
        (
            {"gradient_penalty": 3.0},
            lambda w: 3.0 * (np.linalg.norm(w) - 1) ** 2,
            lambda w: 6.0 * (np.linalg.norm(w) - 1) * w / np.linalg.norm(w),
        ),
        (
            {"d_l1": 0.1, "d_l2": 0.2},
            lambda w: 0.1 * np.abs(w).sum() + 0.2 * w @ w,
            lambda w: 0.1 * np.sign(w) + 0.4 * w,
        ),
        ({"label_smoothing": 0.2}, lambda w: 0.0, lambda w: 0.0),
    ],
)
def test_discriminator_step_loss_and_update_by_hand(options, extra_loss, extra_gradient):
    w, b, c, lr = np.array([0.8, -1.1]), 0.3, np.array([0.5, 2.0]), 0.1
    real = np.random.default_rng(0).standard_normal((32, 2)).astype(np.float32)
    gan = linear_gan(w, b, c)
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), **options)
    d_loss, real_logits, fake_logits = gan.discriminator_step(real)
    # The cross-entropy with real target 1 - a, by hand, and its gradient through l = w.x + b.
    a = options.get("label_smoothing", 0.0)
    l_real, l_fake = real @ w + b, c @ w + b
    loss = np.mean((1 - a) * _softplus(-l_real) + a * _softplus(l_real)) + _softplus(l_fake) + extra_loss(w)
    dl_real = -(1 - a) * _sigmoid(-l_real) + a * _sigmoid(l_real)
    grad_w = (dl_real[:, None] * real).mean(axis=0) + _sigmoid(l_fake) * c + extra_gradient(w)
    grad_b = dl_real.mean() + _sigmoid(l_fake)
    assert float(d_loss) == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(real_logits.numpy().ravel(), l_real, rtol=1e-5, atol=1e-6)
    kernel, bias = gan.discriminator.get_weights()
    np.testing.assert_allclose(kernel.ravel(), w - lr * grad_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, [b - lr * grad_b], rtol=1e-5, atol=1e-6)


def test_clipping_holds_after_the_discriminator_step():
    w, b, c, lr = np.array([0.8, -0.02]), 0.3, np.array([0.5, 2.0]), 0.1
    real = np.random.default_rng(0).standard_normal((32, 2)).astype(np.float32)
    plain, clipped = linear_gan(w, b, c), linear_gan(w, b, c)
    plain.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr))
    clipped.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), clip_weights=0.05)
    plain.discriminator_step(real)
    clipped.discriminator_step(real)
    for unclipped, result in zip(plain.discriminator.get_weights(), clipped.discriminator.get_weights()):
        np.testing.assert_array_equal(result, np.clip(unclipped, -0.05, 0.05))
    assert np.abs(clipped.discriminator.get_weights()[0]).max() == np.float32(0.05)


@pytest.mark.slow
def test_clipping_bounds_every_critic_weight_during_fit(small_gan):
    gan = small_gan(width=16)
    gan.compile(adam(), adam(), loss="wasserstein", clip_weights=0.01)
    gan.fit(gl.data.as_dataset(gl.data.ring(512, seed=0), 32, seed=0), epochs=1, steps_per_epoch=5, verbose=0)
    weights = np.concatenate([w.ravel() for w in gan.discriminator.get_weights()])
    assert np.abs(weights).max() == np.float32(0.01)  # bounded, and the bound is reached


def test_generator_weight_decay_by_hand():
    # D with w = 0 gives the generator no adversarial gradient, so only the decay moves it.
    kernel = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    gan = linear_gan([0.0, 0.0], 0.7, [1.0, -1.0], generator_kernel=kernel)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), g_l1=0.05, g_l2=0.3)
    g_loss = gan.generator_step(16)
    assert float(g_loss) == pytest.approx(_softplus(-0.7) + 0.05 * np.abs(kernel).sum() + 0.3 * (kernel**2).sum())
    new_kernel, new_bias = gan.generator.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * (0.05 * np.sign(kernel) + 0.6 * kernel), rtol=1e-5)
    np.testing.assert_array_equal(new_bias, np.float32([1.0, -1.0]))


def test_instance_noise_has_the_scheduled_std():
    point, w = np.array([1.0, 2.0], np.float32), np.array([0.6, 0.8])  # ||w|| = 1: logit std = noise std
    real = np.tile(point, (8192, 1))
    gan = linear_gan(w, 0.0, point)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), instance_noise=0.5, instance_noise_steps=10)
    _, real_logits, fake_logits = gan.discriminator_step(real)
    assert np.std(real_logits.numpy()) == pytest.approx(0.5, rel=0.03)
    assert np.std(fake_logits.numpy()) == pytest.approx(0.5, rel=0.03)
    assert np.mean(real_logits.numpy()) == pytest.approx(point @ w, abs=0.03)
    gan.g_optimizer.iterations.assign(6)
    assert float(gan.instance_noise_std()) == pytest.approx(0.2)
    assert np.std(gan.discriminator_step(real)[1].numpy()) == pytest.approx(0.2, rel=0.03)
    gan.g_optimizer.iterations.assign(10)
    assert np.ptp(gan.discriminator_step(real)[1].numpy()) < 1e-6  # annealed to 0: no noise left


@pytest.mark.slow
def test_packing_feeds_groups_of_m_samples(small_gan):
    with pytest.raises(ValueError, match="pack"):
        small_gan().compile(adam(), adam(), pack=2)  # D still takes inputs of size 2
    gan = gl.GAN(gl.models.mlp_generator(8, 2, width=16), gl.models.mlp_discriminator(8, width=16), latent_dim=8)
    gan.compile(adam(), adam(), pack=4)
    _, real_logits, fake_logits = gan.discriminator_step(gl.data.ring(64, seed=0))
    assert tuple(real_logits.shape) == tuple(fake_logits.shape) == (16, 1)
    history = gan.fit(gl.data.as_dataset(gl.data.ring(512, seed=0), 32), epochs=1, steps_per_epoch=3, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


@pytest.mark.slow
def test_d_steps_counts_optimizer_iterations(small_gan):
    gan = small_gan(width=16)
    gan.compile(adam(), adam(), d_steps=3)
    gan.fit(gl.data.as_dataset(gl.data.ring(512, seed=0), 32), epochs=1, steps_per_epoch=4, verbose=0)
    assert int(gan.d_optimizer.iterations) == 12 and int(gan.g_optimizer.iterations) == 4


def test_ema_is_the_hand_computed_average_and_sample_uses_it(small_gan):
    gan = small_gan(width=16)
    # One step per graph call, so that the callback sees every step's weights.
    gan.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05), ema=0.8, steps_per_execution=1)
    recorded = [gan.generator.get_weights()]

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            recorded.append(self.model.generator.get_weights())

    gan.fit(
        gl.data.as_dataset(gl.data.ring(512, seed=0), 32), epochs=1, steps_per_epoch=5, callbacks=[Record()], verbose=0
    )
    average = recorded[0]
    for weights in recorded[1:]:
        average = [0.8 * a + 0.2 * w for a, w in zip(average, weights)]
    for expected, actual in zip(average, gan.ema_generator.get_weights()):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(recorded[-1][0], average[0])  # the average lags the trained weights
    noise = np.random.default_rng(3).standard_normal((10, 8)).astype(np.float32)
    np.testing.assert_allclose(gan.sample(10, seed=3), gan.ema_generator(noise).numpy(), rtol=1e-6)
    np.testing.assert_allclose(gan.sample(10, seed=3, average=False), gan.generator(noise).numpy(), rtol=1e-6)


def test_ttur_learning_rates_set_the_first_adam_step_sizes(small_gan):
    # Adam's first step moves each weight by about its learning rate, whatever the gradient's size.
    gan = small_gan(width=16)
    d_optimizer, g_optimizer = gl.training.adam_pair(1e-2, 1e-4, beta_1=0.0, beta_2=0.9)
    assert (float(d_optimizer.learning_rate), float(g_optimizer.beta_2)) == (pytest.approx(1e-2), pytest.approx(0.9))
    gan.compile(d_optimizer, g_optimizer)
    d_before, g_before = gan.discriminator.get_weights(), gan.generator.get_weights()
    gan.train_step(gl.data.ring(64, seed=0))
    d_move = max(np.abs(a - b).max() for a, b in zip(d_before, gan.discriminator.get_weights()))
    g_move = max(np.abs(a - b).max() for a, b in zip(g_before, gan.generator.get_weights()))
    assert d_move == pytest.approx(1e-2, rel=1e-3) and g_move == pytest.approx(1e-4, rel=1e-3)


def test_defaults_are_the_plain_algorithm_bit_for_bit(small_gan):
    """A default-compiled step equals a hand-written copy of the plain step, to the bit."""
    a, b = small_gan(width=16), small_gan(width=16)
    b.generator.set_weights(a.generator.get_weights())
    b.discriminator.set_weights(a.discriminator.get_weights())
    a.seed_generator, b.seed_generator = keras.random.SeedGenerator(9), keras.random.SeedGenerator(9)
    a.compile(adam(), adam())
    b.compile(adam(), adam())
    real = gl.data.ring(32, seed=0)
    for _ in range(3):
        a.train_step(real)
        fake = b.generator(b._noise(32), training=True)
        with tf.GradientTape() as tape:
            d_loss = gl.losses.get("non_saturating").discriminator(
                b.discriminator(real, training=True), b.discriminator(fake, training=True)
            )
        variables = b.discriminator.trainable_variables
        b.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        with tf.GradientTape() as tape:
            g_loss = gl.losses.get("non_saturating").generator(
                b.discriminator(b.generator(b._noise(32), training=True), training=True)
            )
        variables = b.generator.trainable_variables
        b.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
    for x, y in zip(
        a.generator.get_weights() + a.discriminator.get_weights(),
        b.generator.get_weights() + b.discriminator.get_weights(),
    ):
        np.testing.assert_array_equal(x, y)
    assert a.ema_generator is None


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"r1": -1.0}, "r1"),
        ({"r2": float("nan")}, "r2"),
        ({"gradient_penalty": -0.1}, "gradient_penalty"),
        ({"clip_weights": -0.01}, "clip_weights"),
        ({"d_l2": -1e-4}, "d_l2"),
        ({"g_l1": "big"}, "g_l1"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"label_smoothing": 0.1, "loss": "wasserstein"}, "label_smoothing"),
        ({"instance_noise": -1.0}, "instance_noise"),
        ({"instance_noise": 0.1, "instance_noise_steps": 0}, "instance_noise_steps"),
        ({"d_steps": 0}, "d_steps"),
        ({"ema": 1.0}, "ema"),
        ({"ema": -0.5}, "ema"),
        ({"pack": 0}, "pack"),
        ({"gama": 1.0}, "gama"),
    ],
)
def test_bad_tricks(options, argument, small_gan):
    with pytest.raises(ValueError, match=argument):
        small_gan(width=16).compile(adam(), adam(), **options)


def test_compile_checks_every_trick_keyword():
    # GAN.compile hands its keyword-only arguments to training_parts.checked_tricks by name.
    signature = inspect.signature(gl.GAN.compile).parameters.values()
    keywords = {p.name for p in signature if p.kind is p.KEYWORD_ONLY}
    assert keywords == set(gl.training_parts.TRICKS) and len(gl.training_parts.TRICKS) == 15


def test_bad_adam_pair():
    with pytest.raises(ValueError, match="beta_1"):
        gl.training.adam_pair(beta_1=1.0)
    with pytest.raises(ValueError, match="g_learning_rate"):
        gl.training.adam_pair(1e-3, 0.0)


@pytest.mark.parametrize("policy", ["float32", pytest.param("mixed_float16", marks=pytest.mark.slow)])
def test_conv_gan_trains_on_digits(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        gan = gl.GAN(
            gl.models.conv_generator(16, (8, 8, 1), base_filters=16),
            gl.models.conv_discriminator((8, 8, 1), base_filters=16),
            latent_dim=16,
        )
        gan.compile()
        images, _ = gl.data.digits("train")
        history = gan.fit(gl.data.as_dataset(images, 64, seed=0), epochs=2, steps_per_epoch=25, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for values in history.history.values():
        assert np.all(np.isfinite(values))
    samples = gan.sample(10, seed=0)
    assert samples.shape == (10, 8, 8, 1) and samples.dtype == np.float32
    assert np.all(np.abs(samples) <= 1.0)
    if policy == "float32":
        assert int(gan.g_optimizer.iterations) == 50
    else:
        # float16 losses are scaled before differentiating; a step whose scaled gradients overflow
        # is skipped (and the scale halved), so up to a few of the first steps do not count.
        for optimizer in (gan.d_optimizer, gan.g_optimizer):
            assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
            assert 1.0 <= float(optimizer.dynamic_scale) <= 2.0**15
        assert 40 <= int(gan.g_optimizer.iterations) <= 50


@pytest.mark.slow
def test_several_steps_per_call_train_exactly_the_steps_asked_for(small_gan):
    # fit runs up to 25 steps per graph call, picking a divisor of steps_per_epoch (7 -> 7, 30 -> 15)
    # so that Keras does not overshoot; the result equals one step per call.
    def trained(steps_per_execution, steps):
        keras.utils.set_random_seed(0)
        gan = small_gan(width=16)
        gan.compile(adam(), adam(), steps_per_execution=steps_per_execution)
        gan.fit(gl.data.as_dataset(gl.data.ring(512, seed=0), 32, seed=0), epochs=1, steps_per_epoch=steps, verbose=0)
        return gan

    for steps, length in ((7, 7), (30, 15), (50, 25), (53, 1)):
        auto = trained(None, steps)
        assert auto.steps_done() == steps and auto.steps_per_execution == length
    one_by_one = trained(1, 30)
    for a, b in zip(trained(None, 30).player_weights().values(), one_by_one.player_weights().values()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="multiple of steps_per_execution"):
        trained(4, 30)
