import keras
import numpy as np
import pytest

import gan_lib as gl

CENTERS = np.array([[-1.5], [1.5]])


def build_gan():
    gan = gl.GAN(gl.models.mlp_generator(1, 1, width=8, depth=1), gl.models.mlp_discriminator(1, width=8, depth=1),
                 latent_dim=1)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    return gan


@pytest.fixture
def game():
    real = gl.data.mixture(1000, CENTERS, 0.5, seed=0)
    return gl.widgets.OneDimensionalGame(build_gan, real, batch_size=32, steps_per_click=3,
                                         data_density=lambda x: gl.theory.mixture_density(x, CENTERS, 0.5))


def weights(model):
    return [w.copy() for w in model.get_weights()]


def changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after))


def test_buttons_step_the_right_player_and_redraw(game):
    controls = game.widgets
    picture, status = controls.image.value, controls.status.value
    assert picture[:4] == b"\x89PNG" and "D steps 0, G steps 0" in status
    g0, d0 = weights(game.gan.generator), weights(game.gan.discriminator)

    controls.steps.value = 5
    controls.step_d.click()
    assert (game.d_steps, game.g_steps) == (5, 0)
    assert int(game.gan.d_optimizer.iterations) == 5 and int(game.gan.g_optimizer.iterations) == 0
    assert changed(d0, weights(game.gan.discriminator)) and not changed(g0, weights(game.gan.generator))
    assert controls.image.value != picture and "D steps 5, G steps 0" in controls.status.value

    d1 = weights(game.gan.discriminator)
    controls.steps.value = 2
    controls.step_g.click()
    assert (game.d_steps, game.g_steps) == (5, 2)
    assert changed(g0, weights(game.gan.generator)) and not changed(d1, weights(game.gan.discriminator))

    controls.step_both.click()
    assert (game.d_steps, game.g_steps) == (7, 4)
    assert int(game.gan.d_optimizer.iterations) == 7 and int(game.gan.g_optimizer.iterations) == 4
    assert "D steps 7, G steps 4" in controls.status.value


def test_reset_restores_the_same_starting_networks(game):
    start_g, start_d = weights(game.gan.generator), weights(game.gan.discriminator)
    start_samples = game.samples(100)
    game.widgets.step_both.click()
    assert changed(start_g, weights(game.gan.generator))
    game.widgets.reset.click()
    assert (game.d_steps, game.g_steps) == (0, 0)
    assert int(game.gan.d_optimizer.iterations) == 0
    assert not changed(start_g, weights(game.gan.generator)) and not changed(start_d, weights(game.gan.discriminator))
    np.testing.assert_allclose(game.samples(100), start_samples)
    assert "D steps 0, G steps 0" in game.widgets.status.value


def test_discriminator_steps_separate_real_from_fake(game):
    # A constructed case whose outcome is known: the generator starts near 0 while the data
    # sits at +-1.5, so discriminator steps alone must raise D on real points and lower it on fakes.
    real_points = game.real[:500, 0]
    fake_points = game.samples(500)
    gap_before = game.discriminator(real_points).mean() - game.discriminator(fake_points).mean()
    game.step_discriminator(200)
    gap_after = game.discriminator(real_points).mean() - game.discriminator(fake_points).mean()
    assert gap_after > gap_before + 0.1


def test_snapshot_and_draw(game):
    frame = game.snapshot(n=500)
    assert frame["x"].shape == frame["d_values"].shape == (401,)
    assert frame["fake"].shape == (500,) and np.all((frame["d_values"] > 0) & (frame["d_values"] < 1))
    figure = gl.plotting.line_game_snapshots([frame, game.snapshot("again", n=500)], real=game.real, columns=2
    )
    assert len(figure.axes) >= 2
    ax = game.draw()
    assert ax.get_title() == "D steps 0, G steps 0"


def test_bad_arguments_raise_value_error():
    real = np.zeros((10, 1), np.float32)
    with pytest.raises(ValueError, match="real"):
        gl.widgets.OneDimensionalGame(build_gan, np.zeros((10, 2)))
    with pytest.raises(ValueError, match="x_range"):
        gl.widgets.OneDimensionalGame(build_gan, real, x_range=(1, -1))
    with pytest.raises(ValueError, match="build_gan"):
        gl.widgets.OneDimensionalGame(lambda: "not a gan", real)
    with pytest.raises(ValueError, match="steps"):
        gl.widgets.OneDimensionalGame(build_gan, real).step_generator(0)
