import asyncio
import functools
import math
import os
import re
import struct
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from conftest import build_tiny_gan
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from module_imports import gan_lib_parts

import gan_lib as gl

CENTERS = np.array([[-1.5], [1.5]])


# The shared tiny GAN (tests/conftest.py) on the line, unseeded: the game reseeds before each build.
build_gan = functools.partial(
    build_tiny_gan, latent_dim=1, data_dim=1, width=8, depth=1, seed=None, learning_rate=1e-2, beta_1=0.9
)


@pytest.fixture
def game():
    real = gl.data.mixture(1000, CENTERS, 0.5, seed=0)
    return gl.widgets.OneDimensionalGame(build_gan, real, batch_size=32, steps_per_click=3,
                                         data_density=lambda x: gl.theory.mixture_density(x, CENTERS, 0.5))


def weights(model):
    return [w.copy() for w in model.get_weights()]


def changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after))


@pytest.mark.slow
def test_buttons_step_the_right_player_and_redraw(game):
    controls = game.widgets
    picture, status = controls.image.value, controls.status.value
    assert picture[:4] == b"\x89PNG" and "D updates 0, G updates 0" in status
    g0, d0 = weights(game.gan.generator), weights(game.gan.discriminator)

    controls.steps.value = 5
    controls.step_d.click()
    assert (game.d_updates, game.g_updates) == (5, 0)
    assert int(game.gan.d_optimizer.iterations) == 5 and int(game.gan.g_optimizer.iterations) == 0
    assert changed(d0, weights(game.gan.discriminator)) and not changed(g0, weights(game.gan.generator))
    assert controls.image.value != picture and "D updates 5, G updates 0" in controls.status.value

    d1 = weights(game.gan.discriminator)
    controls.steps.value = 2
    controls.step_g.click()
    assert (game.d_updates, game.g_updates) == (5, 2)
    assert changed(g0, weights(game.gan.generator)) and not changed(d1, weights(game.gan.discriminator))

    controls.step_both.click()
    assert (game.d_updates, game.g_updates) == (7, 4)
    assert int(game.gan.d_optimizer.iterations) == 7 and int(game.gan.g_optimizer.iterations) == 4
    assert "D updates 7, G updates 4" in controls.status.value


def test_reset_restores_the_same_starting_networks(game):
    start_g, start_d = weights(game.gan.generator), weights(game.gan.discriminator)
    start_samples = game.samples(100)
    game.widgets.step_both.click()
    assert changed(start_g, weights(game.gan.generator))
    game.widgets.reset.click()
    assert (game.d_updates, game.g_updates) == (0, 0)
    assert int(game.gan.d_optimizer.iterations) == 0
    assert not changed(start_g, weights(game.gan.generator)) and not changed(start_d, weights(game.gan.discriminator))
    np.testing.assert_allclose(game.samples(100), start_samples)
    assert "D updates 0, G updates 0" in game.widgets.status.value


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
    assert (frame["d_updates"], frame["g_updates"], frame["title"]) == (0, 0, "D updates 0, G updates 0")
    assert frame["x"].shape == frame["d_values"].shape == (401,)
    assert frame["fake"].shape == (500,) and np.all((frame["d_values"] > 0) & (frame["d_values"] < 1))
    figure = gl.plotting.line_game_snapshots([frame, game.snapshot("again", n=500)], real=game.real, columns=2
    )
    assert len(figure.axes) >= 2
    ax = game.draw()
    assert ax.get_title() == "D updates 0, G updates 0"


def test_line_gan_is_the_chapters_1d_gan():
    gan = gl.game_1d.line_gan(decay_steps=100)
    assert gan.generator.input_shape == (None, 1) and gan.generator.output_shape == (None, 1)
    assert [layer.units for layer in gan.discriminator.layers if hasattr(layer, "units")] == [64, 64, 1]
    assert gan.adversarial_loss.name == "non_saturating"
    for optimizer, rate in ((gan.d_optimizer, 2e-3), (gan.g_optimizer, 5e-4)):
        assert (float(optimizer.beta_1), float(optimizer.beta_2)) == (0.5, 0.9)
        schedule = optimizer.learning_rate if callable(optimizer.learning_rate) else optimizer._learning_rate
        assert [float(schedule(step)) for step in (0, 50, 100)] == pytest.approx([rate, rate / 2, 0.0])
    constant = gl.game_1d.line_gan(decay_steps=None)
    assert float(constant.d_optimizer.learning_rate) == pytest.approx(2e-3)
    with pytest.raises(ValueError, match="decay_steps"):
        gl.game_1d.line_gan(decay_steps=0)


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


# --- the 2-D playground ---


def small_playground(**settings):
    return gl.widgets.Playground(batch_size=64, width=16, depth=2, latent_dim=4, refresh_every=50, **settings)


@pytest.fixture
def playground():
    return small_playground()


@pytest.mark.slow
def test_playground_buttons_step_the_right_player_and_redraw(playground):
    c = playground.widgets
    picture = c.image.value
    assert picture[:4] == b"\x89PNG" and "D updates 0, G updates 0" in c.status.value
    g0, d0 = weights(playground.gan.generator), weights(playground.gan.discriminator)

    c.step_d.click()
    assert (playground.d_updates, playground.g_updates) == (1, 0)
    assert changed(d0, weights(playground.gan.discriminator)) and not changed(g0, weights(playground.gan.generator))
    assert c.image.value != picture and "D updates 1, G updates 0" in c.status.value

    d1 = weights(playground.gan.discriminator)
    c.step_g.click()
    assert (playground.d_updates, playground.g_updates) == (1, 1)
    assert changed(g0, weights(playground.gan.generator)) and not changed(d1, weights(playground.gan.discriminator))

    c.d_steps.value = 3
    c.step_both.click()
    assert (playground.d_updates, playground.g_updates) == (4, 2)
    assert int(playground.gan.d_optimizer.iterations) == 4 and int(playground.gan.g_optimizer.iterations) == 2
    # One loss entry per round; NaN marks the player that did not move in that round.
    assert playground.losses["updates"] == [1, 2, 6]
    assert np.isnan(playground.losses["g_loss"][0]) and np.isnan(playground.losses["d_loss"][1])
    assert np.isfinite(playground.losses["d_loss"][2]) and np.isfinite(playground.losses["g_loss"][2])

    c.rounds.value = 120
    picture = c.image.value
    c.train.click()
    assert (playground.d_updates, playground.g_updates) == (4 + 360, 2 + 120)
    # Coverage at the start and after each click, then after 50, 100 and 120 rounds.
    assert playground.coverage_history["updates"] == [0, 1, 2, 6, 6 + 200, 6 + 400, 6 + 480]
    assert len(playground.losses["updates"]) == 3 + 120
    assert c.progress.value == c.progress.max == 120 and c.image.value != picture


@pytest.mark.slow
def test_playground_settings_change_the_running_game(playground):
    c = playground.widgets
    c.step_both.click()
    kept = weights(playground.gan.generator)
    c.loss.value = "hinge"
    assert playground.gan.adversarial_loss.name == "hinge" and playground.g_updates == 1
    assert not changed(kept, weights(playground.gan.generator))  # the networks are kept
    c.regularizer.value = "r1"
    assert playground.settings["weight"] == 0.1 and playground.gan.r1 == 0.1  # the regulariser's default
    assert not c.weight.disabled and c.weight.value == pytest.approx(0.1)
    c.weight.value = 1.0
    assert playground.gan.r1 == 1.0
    c.d_lr.value = 1e-2
    assert float(keras.ops.convert_to_numpy(playground.gan.d_optimizer.learning_rate)) == pytest.approx(1e-2)
    iterations = int(playground.gan.d_optimizer.iterations)
    c.step_both.click()  # the recompiled game trains on, with its optimiser state
    assert int(playground.gan.d_optimizer.iterations) == iterations + 1 and playground.g_updates == 2
    loop = playground.gan._rounds  # GAN.train_rounds' traced loop, made after the last compile
    c.g_lr.value = 3e-3
    c.step_both.click()
    assert float(keras.ops.convert_to_numpy(playground.gan.g_optimizer.learning_rate)) == pytest.approx(3e-3)
    assert playground.gan._rounds is loop  # a new learning rate is set in place: no compile, no new trace
    c.loss.value = "least_squares"
    assert playground.gan._rounds is None  # a new loss is traced anew, at the next step

    c.regularizer.value = "spectral_norm"  # a new discriminator: a new game
    assert playground.g_updates == 0 and c.weight.disabled
    assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in playground.gan.discriminator.layers)
    c.dataset.value = "grid"
    assert playground.g_updates == 0 and len(playground.centers) == 25
    assert playground.coverage_history["updates"] == [0] and playground.limit == pytest.approx(6.0)


def test_playground_refuses_an_impossible_combination(playground):
    c = playground.widgets
    c.loss.value = "wasserstein"
    c.regularizer.value = "label_smoothing"
    assert "Not applied" in c.status.value and "cross-entropy" in c.status.value
    assert c.regularizer.value == "none" and playground.settings["regularizer"] == "none"
    with pytest.raises(ValueError, match="cross-entropy"):
        playground.configure(regularizer="label_smoothing")
    assert playground.settings["regularizer"] == "none"


def test_playground_clipping_holds_after_steps():
    playground = small_playground(loss="wasserstein", regularizer="clip_weights", weight=0.01)
    playground.train(5)
    values = np.concatenate([w.ravel() for w in weights(playground.gan.discriminator)])
    assert np.abs(values).max() <= 0.01 + 1e-7 and np.abs(values).max() > 0.009


@pytest.mark.parametrize("redraw_seconds, redraws", [(1e9, 1), (0.0, 3)])
def test_playground_train_measures_every_chunk_and_redraws_at_most_so_often(monkeypatch, redraw_seconds, redraws):
    playground = gl.widgets.Playground(batch_size=16, width=8, depth=1, latent_dim=2, refresh_every=10)
    drawn = []
    playground._controls = object()  # as if shown: train redraws
    monkeypatch.setattr(playground, "_refresh", lambda: drawn.append(playground.g_updates))
    monkeypatch.setattr(gl.playground_2d, "REDRAW_SECONDS", redraw_seconds)
    monkeypatch.setattr(playground, "_show_progress", lambda done, total: None)
    before = len(playground.coverage_history["updates"])
    playground.train(30)
    assert len(playground.coverage_history["updates"]) - before == 3  # every 10 rounds
    assert len(drawn) == redraws and drawn[-1] == 30  # and always at the end


def test_playground_reset_replays_the_same_game(playground):
    playground.train(30)
    first = playground.samples(200)
    losses = list(playground.losses["d_loss"])
    playground.reset()
    assert (playground.d_updates, playground.g_updates) == (0, 0) and playground.losses["d_loss"] == []
    playground.train(30)
    np.testing.assert_array_equal(playground.samples(200), first)
    assert playground.losses["d_loss"] == losses


@pytest.mark.parametrize("loss", ["non_saturating", "minimax", "wasserstein", "least_squares"])
def test_generator_push_is_minus_each_points_loss_gradient(loss):
    # Against central differences of the generator's loss of each point alone.
    playground = small_playground(loss=loss)
    playground.train(20)
    points = playground.samples(5).astype(np.float64)
    push = playground.generator_push(points)
    generator_loss = playground.gan.adversarial_loss.generator

    def point_loss(point):
        logit = playground.gan.discriminator(point[None].astype(np.float32), training=False)
        return float(keras.ops.convert_to_numpy(generator_loss(logit)))

    h = 1e-3  # small enough that no LeakyReLU kink falls between the two evaluations, for these points
    for point, arrow in zip(points, push):
        numeric = [-(point_loss(point + h * e) - point_loss(point - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(arrow, numeric, rtol=1e-2, atol=2e-4)


@pytest.mark.slow
def test_playground_learns_two_modes():
    # The default settings on the easiest dataset: both modes, nearly every sample within 3 std.
    playground = gl.widgets.Playground(dataset="two modes", refresh_every=1000)
    playground.train(1000)
    scores = playground.coverage()
    assert scores["modes"] == 2 and scores["high_quality"] > 0.9


@pytest.mark.slow
def test_playground_figure_has_its_panels(playground):
    playground.train(10)
    figure = playground.figure()
    titles = [ax.get_title() for ax in figure.axes]
    for title in ("samples over the true modes", "where the generator's loss pushes its samples", "losses",
                  "mode coverage (2,500 samples)"):
        assert title in titles
    labels = [ax.get_ylabel() for ax in figure.axes]
    assert "D(x)" in labels  # the colour bar: probabilities for a cross-entropy loss
    playground.configure(loss="wasserstein")
    assert "critic value" in [ax.get_ylabel() for ax in playground.figure().axes]
    assert isinstance(gl.widgets.playground(dataset="line", refresh_every=10), gl.widgets.Playground)


def test_playground_bad_arguments_raise_value_error(playground):
    with pytest.raises(ValueError, match="unknown playground settings"):
        gl.widgets.Playground(colour="red")
    with pytest.raises(ValueError, match="dataset"):
        gl.widgets.Playground(dataset="spiral")
    with pytest.raises(ValueError, match="d_lr"):
        playground.configure(d_lr=-1.0)
    with pytest.raises(ValueError, match="weight"):
        playground.configure(regularizer="r1", weight=0.0)
    with pytest.raises(ValueError, match="below 1"):
        playground.configure(regularizer="label_smoothing", weight=1.5)
    with pytest.raises(ValueError, match="rounds"):
        playground.train(0)
    assert playground.settings["d_lr"] == 1e-3 and playground.settings["regularizer"] == "none"


@pytest.mark.slow
def test_playground_reports_divergence_and_stops_training(playground):
    c = playground.widgets
    poisoned = playground.gan.generator.get_weights()
    poisoned[0][:] = np.nan
    playground.gan.generator.set_weights(poisoned)
    assert playground.diverged()
    c.step_both.click()
    assert "Diverged" in c.status.value and "modes 0 of 8" in c.status.value
    assert playground.coverage()["high_quality"] == 0.0
    c.rounds.value = 500
    c.train.click()
    assert playground.g_updates == 1  # no round is trained once the weights are not finite
    assert playground.figure() is not None  # a diverged game still draws
    c.reset.click()
    assert not playground.diverged() and "Diverged" not in c.status.value


@pytest.mark.slow
def test_playground_shows_a_failing_action_in_the_status_line(playground, monkeypatch):
    def broken():
        raise RuntimeError("the generator step broke")

    monkeypatch.setattr(playground, "step_generator", broken)
    playground.widgets.step_g.click()
    assert "Error" in playground.widgets.status.value and "the generator step broke" in playground.widgets.status.value


def test_the_playground_is_built_from_its_recipe():
    playground = gl.widgets.Playground(regularizer="r1", d_lr=3e-4, d_steps=2, seed=5)
    recipe = playground.recipe()
    assert (recipe.r1, recipe.d_lr, recipe.g_lr, recipe.d_steps, recipe.beta_2) == (0.1, 3e-4, 1e-3, 2, 0.9)
    assert (recipe.width, recipe.depth, recipe.latent_dim, recipe.batch_size) == (64, 3, 8, 256)
    twin = gl.recipes.build_gan(recipe, 2, seed=5)
    pairs = ((playground.gan.generator, twin.generator), (playground.gan.discriminator, twin.discriminator))
    for mine, theirs in pairs:
        assert all(np.array_equal(a, b) for a, b in zip(mine.get_weights(), theirs.get_weights()))
    assert playground.gan.r1 == 0.1 and float(playground.gan.d_optimizer.learning_rate) == pytest.approx(3e-4)
    playground.configure(regularizer="l2", weight=1e-3)
    assert playground.recipe().tricks() == {"d_l2": 1e-3, "g_l2": 1e-3, "d_steps": 2}


# --- what the front end shows (issue 19) ---

# The widest a widget can be in JupyterLab in a 1280 x 800 window with the file browser open.
JUPYTERLAB_WIDTH = 949


def png_size(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def pixels(css):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)px", css or "")
    assert match, f"not a length in px: {css!r}"
    return float(match.group(1))


@pytest.fixture
def drawn_figures(monkeypatch):
    """Every matplotlib Figure saved while the test runs (the widgets' pictures among them)."""
    figures = []
    save = Figure.savefig

    def saving(figure, *args, **kwargs):
        figures.append(figure)
        return save(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", saving)
    return figures


def renderer(figure):
    return FigureCanvasAgg(figure).get_renderer()  # the widgets draw into a Figure without a canvas of its own


def inside(figure, artist):
    """Whether the artist, as drawn, lies wholly within the figure's canvas."""
    box = artist.get_window_extent(renderer(figure))
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= figure.bbox.width and box.y1 <= figure.bbox.height


@pytest.mark.parametrize("which", ["game", "playground"])
@pytest.mark.slow
def test_pictures_show_at_their_natural_size_beside_the_controls(which, game, playground):
    front = game if which == "game" else playground
    image, box = front.widgets.image, front.controls
    width, height = png_size(image.value)
    # Drawn at twice the displayed size (sharp on high-DPI screens), displayed at exactly that size.
    assert (pixels(image.layout.width), pixels(image.layout.height)) == (width / 2, height / 2)
    assert image.layout.flex == "0 0 auto"  # neither stretched nor squeezed by the row
    # The controls in a column left of the picture, both within JupyterLab's width at 1280 x 800.
    column, picture = box.children
    assert picture is image and "wrap" in box.layout.flex_flow
    assert pixels(column.layout.width) + width / 2 + 20 <= JUPYTERLAB_WIDTH
    assert height / 2 <= 520  # leaves room for JupyterLab's bars in an 800-pixel-high window
    front.widgets.step_both.click()
    assert png_size(image.value) == (width, height) and pixels(image.layout.width) == width / 2


@pytest.mark.parametrize("settings", [
    {"regularizer": "label_smoothing", "weight": 0.15, "d_lr": 3.1623e-4, "g_lr": 3.1623e-5},
    {"loss": "least_squares", "regularizer": "gradient_penalty", "d_steps": 5},
])
def test_the_playgrounds_title_is_not_cut_off(settings, drawn_figures):
    playground = small_playground(**settings)
    playground.d_updates, playground.g_updates = 5_000, 1_000  # 4-digit counts, as after a long run
    _ = playground.widgets  # builds the controls and draws the picture
    figure = drawn_figures[-1]
    title = figure._suptitle
    assert "5000" in title.get_text() and settings["regularizer"] in title.get_text()
    assert inside(figure, title), title.get_text()
    # ... nor drawn over the panels' titles
    top = title.get_window_extent(renderer(figure)).y0
    assert all(ax.title.get_window_extent(renderer(figure)).y1 <= top for ax in figure.axes)


def test_the_one_dimensional_picture_has_a_legend(game, drawn_figures):
    game.d_updates, game.g_updates = 12_000, 12_000
    _ = game.widgets
    figure = drawn_figures[-1]
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    assert len(legends) == 1
    labels = [text.get_text() for text in legends[0].get_texts()]
    assert labels == ["real density", "generated density (histogram)", "D(x) (right axis)"]
    assert inside(figure, legends[0]) and inside(figure, figure.axes[0].title)
    # Without a density function the real data are a histogram, and the key says so.
    real_only = gl.widgets.OneDimensionalGame(build_gan, game.real, batch_size=32)
    ax = real_only.draw()
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "real data (histogram)"
    assert game.draw(legend=False).get_legend() is None


def test_the_n_box_has_room_for_six_digits(playground):
    rounds = playground.widgets.rounds
    assert rounds.max == 100_000
    # ipywidgets gives a description 80 px unless told otherwise; a digit takes about 8 px, the
    # field's padding about 16 px.
    label = pixels(rounds.style.description_width) if rounds.style.description_width else 80
    assert pixels(rounds.layout.width) - label >= 6 * 8 + 16


@pytest.mark.slow
def test_the_progress_bar_starts_empty_and_says_how_far(playground):
    c = playground.widgets
    assert c.progress.value == 0 and c.progress.description == "steps 0/500"
    c.rounds.value = 120
    assert c.progress.value == 0 and c.progress.description == "steps 0/120"
    seen = []
    c.progress.observe(lambda change: seen.append(change["new"]), names="description")
    c.train.click()
    assert seen == ["steps 50/120", "steps 100/120", "steps 120/120"]
    assert c.progress.value == c.progress.max == 120
    c.reset.click()
    assert c.progress.value == 0 and c.progress.description == "steps 0/120"


def test_playground_buttons_are_disabled_while_a_run_runs(playground, monkeypatch):
    c = playground.widgets
    during = []

    def train(rounds):
        during.append(([b.disabled for b in c.buttons], c.rounds.disabled, c.loss.disabled, c.status.value))

    monkeypatch.setattr(playground, "train", train)
    c.rounds.value = 3000
    c.train.click()
    buttons, rounds_box, loss, status = during[0]
    assert all(buttons) and rounds_box and loss
    assert "Running" in status and "3000" in status
    assert not any(b.disabled for b in c.buttons) and not c.rounds.disabled and not c.loss.disabled
    assert c.weight.disabled  # still: the regulariser "none" takes no weight
    assert "Running" not in c.status.value


def test_the_one_dimensional_game_is_busy_while_it_steps(game, monkeypatch):
    c = game.widgets
    during = []
    monkeypatch.setattr(game, "step_both", lambda steps: during.append(
        ([b.disabled for b in (c.step_d, c.step_g, c.step_both, c.reset)], c.steps.disabled, c.status.value)))
    c.step_both.click()
    buttons, slider, status = during[0]
    assert all(buttons) and slider and "Running" in status and "3 rounds" in status
    assert not any(b.disabled for b in (c.step_d, c.step_g, c.step_both, c.reset)) and not c.steps.disabled

    def broken(steps):
        raise RuntimeError("the generator step broke")

    monkeypatch.setattr(game, "step_generator", broken)
    c.step_g.click()
    assert "Error" in c.status.value and "the generator step broke" in c.status.value
    assert not c.step_g.disabled


def start_up_log(code, **env):
    """stderr of a fresh Python that runs ``code``, with TF_CPP_MIN_LOG_LEVEL as given (or unset);
    each line without its time stamp and thread id."""
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"} | env
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          timeout=300, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr
    return [re.sub(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ", "", line) for line in done.stderr.splitlines()]


@pytest.mark.slow
def test_importing_gan_lib_keeps_tensorflows_start_up_log_out():
    # gan_lib sets the variable (which its subprocesses inherit) and discards the C++ log of the
    # import and of the first look for devices; later TensorFlow messages follow the variable.
    code = "import gan_lib, os; gan_lib.runtime.describe(); assert os.environ['TF_CPP_MIN_LOG_LEVEL'] == '2'"
    assert start_up_log(code) == []


@pytest.mark.slow
def test_setting_tf_cpp_min_log_level_brings_the_log_back():
    # Set by the user, the variable is left alone and the log is exactly TensorFlow's own.
    code = "import tensorflow as tf; tf.config.list_physical_devices()"
    plain = start_up_log(code, TF_CPP_MIN_LOG_LEVEL="0")
    assert start_up_log(f"import gan_lib; {code}", TF_CPP_MIN_LOG_LEVEL="0") == plain


# --- play/pause, tooltips, the custom dataset and the divergence curve (issue 19, part 2) ---


def run_in_event_loop(scenario):
    """Run ``scenario`` (a coroutine function) in an asyncio event loop, as a kernel runs the widgets'
    callbacks: ``play`` then starts a background task on that loop."""
    return asyncio.run(scenario())


async def until(condition, seconds=120):
    """Wait, giving the event loop back, until ``condition()`` holds (as a kernel would handle a click)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


@pytest.mark.slow
def test_play_runs_its_rounds_in_frames_in_the_background(playground):
    c = playground.widgets

    async def scenario():
        task = playground.play(rounds=120, per_frame=50)
        assert isinstance(task, asyncio.Task)  # returned at once: the frames run on the event loop
        assert playground.playing and playground.g_updates == 0
        assert c.play.value and c.play.description == "pause" and c.speed.value == 50
        assert all(b.disabled for b in (c.step_d, c.step_g, c.step_both, c.train, c.rounds))
        assert not c.reset.disabled and not c.loss.disabled  # settings stay live while playing
        assert "Playing" in c.status.value
        return await asyncio.wait_for(task, 120)

    assert run_in_event_loop(scenario) == 120
    # Frames of 50, 50 and 20 rounds (2 updates a round), each measured and drawn.
    assert playground.coverage_history["updates"] == [0, 100, 200, 240]
    assert (playground.d_updates, playground.g_updates) == (120, 120) and len(playground.losses["updates"]) == 120
    assert c.progress.description == "steps 120/120"
    assert not playground.playing and not c.play.value and c.play.description == "play"
    assert not any(b.disabled for b in c.buttons) and "Playing" not in c.status.value


@pytest.mark.slow
def test_pause_stops_a_run_between_frames(playground):
    c = playground.widgets
    picture = c.image.value

    async def scenario():
        c.speed.value = 10
        # 600 rounds at most (not an endless run), so that a pause that does not work fails, not hangs
        task = playground.play(rounds=600)
        await until(lambda: playground.g_updates >= 30)  # the kernel handles clicks between frames ...
        c.play.value = False  # ... so pause, pressed during the run, is handled there
        assert await asyncio.wait_for(task, 120) == 30
        stopped = (playground.d_updates, playground.g_updates)
        await asyncio.sleep(0.3)
        return stopped

    assert run_in_event_loop(scenario) == (30, 30)
    assert (playground.d_updates, playground.g_updates) == (30, 30)  # nothing ran after pause
    assert playground.coverage_history["updates"] == [0, 20, 40, 60]
    assert c.image.value != picture and "D updates 30, G updates 30" in c.status.value
    assert not c.play.value and not c.step_both.disabled

    async def pressed():
        c.play.value = True  # the reader presses play: a run without end, until pause
        task = playground._task
        assert isinstance(task, asyncio.Task) and c.play.description == "pause"
        await until(lambda: playground.g_updates >= 40)
        c.play.value = False
        await asyncio.wait_for(task, 120)

    run_in_event_loop(pressed)
    assert playground.g_updates == 40 and not playground.playing


@pytest.mark.slow
def test_settings_apply_between_frames_of_a_run(playground):
    c = playground.widgets

    async def scenario():
        task = playground.play(rounds=600, per_frame=10)
        await until(lambda: playground.g_updates >= 20)
        c.loss.value = "hinge"
        c.d_lr.value = 1e-2
        await until(lambda: playground.g_updates >= 40)
        playground.pause()
        await asyncio.wait_for(task, 120)  # a pause that did not stop the run fails here

    run_in_event_loop(scenario)
    assert playground.g_updates == 40  # the game went on, with the new loss and learning rate
    assert playground.gan.adversarial_loss.name == "hinge"
    assert float(keras.ops.convert_to_numpy(playground.gan.d_optimizer.learning_rate)) == pytest.approx(1e-2)


@pytest.mark.slow
def test_reset_and_a_new_dataset_pause_a_run(playground):
    c = playground.widgets

    async def scenario():
        task = playground.play(rounds=600, per_frame=10)
        await until(lambda: playground.g_updates >= 10)
        c.reset.click()
        await asyncio.wait_for(task, 120)  # a pause that did not stop the run fails here
        assert playground.g_updates == 0 and not playground.playing
        task = playground.play(rounds=600, per_frame=10)
        await until(lambda: playground.g_updates >= 10)
        c.dataset.value = "two modes"  # a new game
        await asyncio.wait_for(task, 120)  # a pause that did not stop the run fails here

    run_in_event_loop(scenario)
    assert playground.g_updates == 0 and len(playground.centers) == 2
    assert not c.play.value and not any(b.disabled for b in c.buttons)


@pytest.mark.slow
def test_play_stops_on_divergence_and_reports_errors(playground, monkeypatch):
    c = playground.widgets
    poisoned = playground.gan.generator.get_weights()
    poisoned[0][:] = np.nan
    playground.gan.generator.set_weights(poisoned)

    async def play_on():
        return await asyncio.wait_for(playground.play(rounds=600, per_frame=10), 120)

    assert run_in_event_loop(play_on) == 0  # nothing to play once diverged
    assert "Diverged" in c.status.value and not c.play.value
    c.reset.click()

    def broken(rounds):
        raise RuntimeError("the frame broke")

    monkeypatch.setattr(playground, "_frame", broken)

    async def scenario():
        c.play.value = True
        task = playground._task
        await asyncio.wait([task], timeout=120)
        await asyncio.sleep(0)  # the task's done callback

    run_in_event_loop(scenario)
    assert "Error" in c.status.value and "the frame broke" in c.status.value
    assert not c.play.value and not c.step_d.disabled


@pytest.mark.slow
def test_play_without_an_event_loop_and_bad_values(playground):
    c = playground.widgets
    assert playground.play(rounds=30, per_frame=25) is None  # a script: the frames run before play returns
    assert playground.g_updates == 30 and playground.coverage_history["updates"] == [0, 50, 60]
    assert c.speed.value == 25 and not c.play.value
    with pytest.raises(ValueError, match="event loop"):
        playground.play()  # would never end
    with pytest.raises(ValueError, match="rounds"):
        playground.play(rounds=0)
    with pytest.raises(ValueError, match="per_frame"):
        playground.play(rounds=5, per_frame=-1)
    assert playground.g_updates == 30 and playground.rounds_per_frame == 25
    playground.play(rounds=7, per_frame=7)  # a speed off the slider's stops is added to them
    assert c.speed.value == 7 and 7 in c.speed.options and playground.g_updates == 37

    async def twice():
        task = playground.play(per_frame=5)
        with pytest.raises(RuntimeError, match="already playing"):
            playground.play()
        playground.pause()
        await asyncio.wait_for(task, 120)  # a pause that did not stop the run fails here

    run_in_event_loop(twice)


@pytest.mark.slow
def test_the_one_dimensional_game_plays_and_pauses(game):
    c = game.widgets

    async def scenario():
        c.steps.value = 4  # the steps per click are the rounds per frame
        task = game.play(rounds=400)
        assert c.play.value and c.play.description == "pause" and c.step_both.disabled and not c.steps.disabled
        await until(lambda: game.d_updates >= 8)
        c.play.value = False
        await asyncio.wait_for(task, 120)  # a pause that did not stop the run fails here
        await asyncio.sleep(0.2)

    picture = c.image.value
    run_in_event_loop(scenario)
    assert (game.d_updates, game.g_updates) == (8, 8) and c.image.value != picture
    assert "D updates 8, G updates 8" in c.status.value and "Playing" not in c.status.value
    assert not c.play.value and not c.step_both.disabled
    game.play(rounds=5, per_frame=2)  # frames of 2, 2 and 1 rounds, without an event loop
    assert (game.d_updates, game.g_updates) == (13, 13) and c.steps.value == 2

    async def pressed():
        c.play.value = True  # the reader presses play: a run without end, until pause
        task = game._task
        await until(lambda: game.d_updates >= 17)
        c.play.value = False
        await asyncio.wait_for(task, 120)

    run_in_event_loop(pressed)
    assert game.d_updates == 17 and not game.playing


def setting_widgets(front):
    c = front.widgets
    if isinstance(front, gl.widgets.Playground):
        return [*c.settings, *c.buttons, c.progress]
    return [c.steps, *c.buttons]


@pytest.mark.parametrize("which", ["game", "playground"])
def test_every_control_has_a_short_tooltip(which, game, playground):
    front = game if which == "game" else playground
    for widget in setting_widgets(front):
        # ipywidgets 8 calls it ``tooltip``; 7 calls it ``description_tooltip`` except on buttons
        text = widget.tooltip if widget.has_trait("tooltip") else widget.description_tooltip
        assert text, f"{widget.description!r} has no tooltip"
        assert text == gl.widgets.tooltip(widget)
        assert len(text) <= 110 and text.count(". ") == 0, f"not one short sentence: {text!r}"


@pytest.mark.slow
def test_custom_mixture_parameters_make_the_data(playground):
    c = playground.widgets
    assert c.custom.layout.display == "none"  # shown only for the custom dataset
    c.dataset.value = "custom"
    assert c.custom.layout.display is None
    np.testing.assert_allclose(playground.centers, gl.data.ring_centers(8, 1.0))  # the defaults: a ring of 8
    c.step_both.click()
    c.modes.value = 5  # a new mixture: a new game
    assert playground.g_updates == 0 and len(playground.centers) == 5
    c.radius.value = 2.0
    np.testing.assert_allclose(np.linalg.norm(playground.centers, axis=1), 2.0, rtol=1e-6)
    c.arrangement.value = "line"
    np.testing.assert_allclose(playground.centers, [[-2, 0], [-1, 0], [0, 0], [1, 0], [2, 0]], atol=1e-6)
    c.std.value = 0.1
    assert playground.std == 0.1 and playground.limit == pytest.approx(3.0)
    # the real data sit around the centres, 0.1 apart on average
    distance = np.min(np.linalg.norm(playground.real[:, None] - playground.centers[None], axis=2), axis=1)
    assert 0.08 < np.mean(distance) < 0.16
    assert "custom (line of 5, radius 2, std 0.1)" in playground.title().replace("\n", " ")
    playground.configure(modes=9, arrangement="grid", radius=1.0, std=0.05)
    assert sorted(set(np.round(playground.centers.ravel(), 6))) == [-1.0, 0.0, 1.0]
    assert (c.modes.value, c.arrangement.value, c.radius.value) == (9, "grid", 1.0)  # the controls follow
    c.dataset.value = "ring"
    assert len(playground.centers) == 8 and c.custom.layout.display == "none"


@pytest.mark.slow
def test_bad_custom_mixtures_are_refused_with_reasons(playground):
    c = playground.widgets
    c.dataset.value = "custom"
    c.step_both.click()
    before = (dict(playground.settings), playground.centers.copy(), playground.g_updates)
    refusals = [
        ("arrangement", "grid", "square number of modes"),  # 8 modes
        ("std", 0.5, "overlap"),  # 3 std either side of modes 0.77 apart
        ("modes", 24, "overlap"),  # 24 modes on a ring of radius 1 with std 0.05 are 0.26 apart
    ]
    for name, value, reason in refusals:
        getattr(c, name).value = value
        assert "Not applied" in c.status.value and reason in c.status.value, c.status.value
        # rolled back: the controls show the settings in force, and the game goes on
        assert getattr(c, name).value == before[0][name]
        assert playground.settings == before[0] and playground.g_updates == before[2]
        np.testing.assert_array_equal(playground.centers, before[1])
    with pytest.raises(ValueError, match="at most 36"):
        playground.configure(modes=37)
    with pytest.raises(ValueError, match="radius"):
        playground.configure(radius=0.0)
    with pytest.raises(ValueError, match="arrangement"):
        playground.configure(arrangement="spiral")
    c.dataset.value = "grid"
    with pytest.raises(ValueError, match="custom dataset"):
        playground.configure(modes=4)  # only the custom dataset has these
    with pytest.raises(ValueError, match="custom dataset"):
        gl.widgets.Playground(std=0.1)
    assert playground.settings["modes"] == 8 and len(playground.centers) == 25


def test_the_custom_centres():
    np.testing.assert_allclose(gl.widgets.custom_centers("line", 1, 3.0), [[0, 0]])
    np.testing.assert_allclose(gl.widgets.custom_centers("grid", 1, 3.0), [[0, 0]])
    np.testing.assert_allclose(gl.widgets.custom_centers("grid", 4, 3.0), [[-3, -3], [-3, 3], [3, -3], [3, 3]])
    np.testing.assert_allclose(gl.widgets.custom_centers("ring", 4, 2.0), [[2, 0], [0, 2], [-2, 0], [0, -2]],
                               atol=1e-6)
    single = small_playground(dataset="custom", arrangement="line", modes=1, std=0.2)
    assert single.limit == pytest.approx(0.8)  # a mode at 0: 4 std around it
    single.train(5)
    assert single.figure() is not None


def test_the_reverse_kl_curve_follows_the_coverage(playground):
    playground.train(100)
    history = playground.coverage_history
    assert len(history["reverse_kl"]) == len(history["updates"]) == 3  # at 0, 50 and 100 rounds
    assert history["reverse_kl"][-1] == playground.coverage()["reverse_kl"]
    figure = playground.figure()
    kl_axes = [ax for ax in figure.axes if ax.get_ylabel() == "reverse KL\n(nats)"]
    assert len(kl_axes) == 1
    curve = kl_axes[0].lines[0]
    expected = np.where(np.isfinite(history["reverse_kl"]), history["reverse_kl"], np.nan)  # inf: a gap
    np.testing.assert_array_equal(curve.get_ydata(), expected)
    # the ceiling: every high-quality sample in one mode
    assert [line.get_ydata()[0] for line in kl_axes[0].lines[1:]] == [pytest.approx(np.log(8))]
    # the coverage panel above shares its axis of updates, and its title stays
    assert "mode coverage (2,500 samples)" in [ax.get_title() for ax in figure.axes]


def test_playground_panels_without_a_divergence_curve(playground):
    coverage = {k: v for k, v in playground.coverage_history.items() if k != "reverse_kl"}
    grid_x, grid_y, values = playground.discriminator_map(10)
    fake = playground.samples(20)
    figure = gl.plotting.playground_panels(
        grid_x=grid_x, grid_y=grid_y, d_values=values, d_label="D(x)", fake=fake, centers=playground.centers,
        arrow_points=fake[:5], arrows=playground.generator_push(fake[:5]), losses=playground.losses,
        coverage=coverage, n_modes=8)
    assert not any("reverse KL" in ax.get_ylabel() for ax in figure.axes)
    assert len([ax for ax in figure.axes if ax.get_title()]) == 4


def test_controls_show_settings_beyond_their_sliders(playground):
    # A slider clamps a value outside its range; the controls widen the range instead.
    c = playground.widgets
    playground.configure(d_steps=20, d_lr=0.5)
    assert c.d_steps.value == 20 and c.d_lr.value == pytest.approx(0.5)


def shown(control):
    """The value that a front end shows for ``control``: a float slider's value moved onto its grid of
    steps, as ipywidgets' sliders draw it (a log slider's steps are in the exponent), a selection
    slider's option, a text box's number."""
    if hasattr(control, "options"):
        return control.options[control.index]
    if hasattr(control, "base"):
        steps = round((math.log(control.value, control.base) - control.min) / control.step)
        return control.base ** (control.min + steps * control.step)
    if getattr(control, "step", None) and hasattr(control, "min"):
        return control.min + round((control.value - control.min) / control.step) * control.step
    return control.value


@pytest.mark.slow
def test_learning_rates_and_weights_show_exactly_as_set(playground):
    # Issue 19: a log slider with step 0.25 showed d_lr=3e-4 as 10**-3.5 = 3.16e-4.
    c = playground.widgets
    playground.configure(regularizer="r1", weight=0.05, d_lr=3e-4, g_lr=2.5e-4)
    for name in ("d_lr", "g_lr", "weight"):
        for control in (getattr(c, name), getattr(c, f"{name}_slider", None)):  # the box, the slider beside it
            if control is not None:
                assert shown(control) == playground.settings[name], (name, type(control).__name__, shown(control))
    # A value typed into the box (what the front end sends) applies exactly, and the slider shows it.
    c.d_lr.value = 7e-4
    assert playground.settings["d_lr"] == 7e-4 and shown(c.d_lr_slider) == 7e-4
    assert float(keras.ops.convert_to_numpy(playground.gan.d_optimizer.learning_rate)) == pytest.approx(7e-4)
    c.g_lr_slider.value = 1e-4  # dragged to a stop: the box follows
    assert playground.settings["g_lr"] == 1e-4 and c.g_lr.value == 1e-4
    c.weight.value = 0.3
    assert playground.gan.r1 == 0.3 and shown(c.weight_slider) == 0.3
    c.d_lr.value = 0.0  # refused: both controls roll back
    assert "Not applied" in c.status.value and c.d_lr.value == 7e-4 and shown(c.d_lr_slider) == 7e-4


def test_the_widget_modules_depend_one_way():
    # widget_base <- game_1d, playground_2d (with playground_settings) <- widgets, the public facade
    games = {"game_1d", "playground_2d"}
    assert not gan_lib_parts("widget_base") & (games | {"playground_settings", "widgets"})
    assert not gan_lib_parts("playground_settings") & (games | {"widget_base", "widgets"})
    assert "widget_base" in gan_lib_parts("game_1d") and not gan_lib_parts("game_1d") & {"playground_2d", "widgets"}
    assert {"widget_base", "playground_settings"} <= gan_lib_parts("playground_2d")
    assert not gan_lib_parts("playground_2d") & {"game_1d", "widgets"}
    assert games <= gan_lib_parts("widgets")
    for name in ("OneDimensionalGame", "Playground", "playground", "custom_centers", "tooltip"):  # the chapters' names
        assert hasattr(gl.widgets, name), name
