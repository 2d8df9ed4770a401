import keras
import numpy as np
import pytest

import gan_lib as gl


def small_gan(latent_dim=8, width=64):
    return gl.GAN(
        gl.models.mlp_generator(latent_dim, 2, width=width),
        gl.models.mlp_discriminator(2, width=width),
        latent_dim=latent_dim,
    )


def adam():
    return keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)


def test_fit_reports_the_four_trackers_and_updates_both_players():
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


def test_every_step_draws_fresh_noise():
    gan = small_gan()
    gan.compile(adam(), adam())
    first, second = gan._noise(4), gan._noise(4)
    assert not np.allclose(first.numpy(), second.numpy())


def test_sample_is_reproducible_and_batched():
    gan = small_gan()
    a = gan.sample(100, seed=7)
    b = gan.sample(100, seed=7, batch_size=33)
    assert a.shape == (100, 2) and isinstance(a, np.ndarray)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a, gan.sample(100, seed=8))


def test_short_training_raises_mode_coverage():
    centers = gl.data.ring_centers()
    gan = small_gan(latent_dim=16, width=128)
    gan.compile(adam(), adam())
    before = gl.metrics.mode_coverage(gan.sample(2500, seed=1), centers, 0.01)
    gan.fit(gl.data.as_dataset(gl.data.ring(20_000, seed=0), 256, seed=0), epochs=1, steps_per_epoch=2500, verbose=0)
    after = gl.metrics.mode_coverage(gan.sample(2500, seed=1), centers, 0.01)
    assert before["modes"] <= 1 and before["high_quality"] < 0.01
    assert after["modes"] >= 6, after
    assert after["high_quality"] > 0.2, after


def test_snapshots_record_the_untrained_generator_and_each_epoch():
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


def test_bad_compile():
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


def test_single_player_steps_update_only_their_player():
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


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
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
    assert int(gan.g_optimizer.iterations) == 50
