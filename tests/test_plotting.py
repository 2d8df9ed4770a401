"""The shared figures: they draw what they are given and refuse inconsistent input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from module_imports import gan_lib_imports  # noqa: E402

from gan_lib import dirac, plotting, plotting_1d, plotting_images, theory  # noqa: E402


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (plotting_images, ["image_mosaic", "image_grid", "training_animation", "save_gif"]),
        (plotting_1d, ["line_game", "line_game_snapshots", "discriminators_on_the_line"]),
    ],
)
def test_the_image_and_1d_figures_are_reachable_as_plotting_names_and_import_no_gan_lib(module, names):
    # Chapters call gl.plotting.<name>; the split modules sit below plotting and use only matplotlib.
    for name in names:
        assert getattr(plotting, name) is getattr(module, name)
    assert gan_lib_imports(module) == set()
    assert {"gan_lib.plotting_1d", "gan_lib.plotting_images"} <= gan_lib_imports(plotting)


def test_image_mosaic_tiles_and_rescales():
    images = np.full((5, 8, 8, 1), -1.0, dtype=np.float32)
    images[2] = 1.0  # the third tile is all ink
    mosaic = plotting.image_mosaic(images, columns=3, pad=1)
    assert mosaic.shape == (2 * 8 + 3, 3 * 8 + 4)
    # Tile k sits at row k // 3, column k % 3; -1 maps to 0 and 1 maps to 1.
    np.testing.assert_array_equal(mosaic[1:9, 1:9], 0.0)
    np.testing.assert_array_equal(mosaic[1:9, 19:27], 1.0)
    assert mosaic[0, 0] == 0.5 and mosaic[10:18, 19:27].min() == 0.5  # padding, and the empty sixth slot
    assert plotting.image_mosaic(np.zeros((10, 28, 28))).shape == (3 * 28 + 4, 4 * 28 + 5)  # 4 columns, 3 rows
    assert plotting.image_mosaic(np.zeros((2, 4, 4, 3)), columns=2).shape == (6, 11, 3)


@pytest.mark.parametrize(
    ("images", "columns"),
    [(np.zeros((4, 8)), None), (np.zeros((0, 8, 8)), None), (np.zeros((4, 8, 8, 2)), None), (np.zeros((4, 8, 8)), 0)],
)
def test_image_mosaic_bad_arguments(images, columns):
    with pytest.raises(ValueError, match="images|columns"):
        plotting.image_mosaic(images, columns=columns)


def test_image_grid_draws_the_mosaic():
    images = np.random.default_rng(0).uniform(-1, 1, (6, 8, 8, 1))
    ax = plotting.image_grid(images, columns=3, title="samples")
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown, plotting.image_mosaic(images, columns=3))
    assert ax.get_title() == "samples"
    plt.close(ax.figure)


def test_training_animation_embeds_as_html_and_writes_a_gif(tmp_path):
    from PIL import Image

    steps = [0, 100, 200]
    sets = [np.full((4, 8, 8, 1), value, dtype=np.float32) for value in (-1.0, 0.0, 1.0)]
    movie = plotting.training_animation(steps, sets, columns=2)
    html = movie.to_jshtml()
    assert "<script" in html and html.count("data:image/png;base64") == 3  # one embedded frame per snapshot
    path = plotting.save_gif(movie, str(tmp_path / "training.gif"), fps=2)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3
    with pytest.raises(ValueError, match="same length"):
        plotting.training_animation([0, 1], sets)
    with pytest.raises(ValueError, match="path"):
        plotting.save_gif(movie, str(tmp_path / "training.mp4"))


X = np.linspace(-4, 4, 201)


def test_line_game_draws_density_histogram_and_discriminator():
    d = 1 / (1 + np.exp(-X))
    ax = plotting.line_game(X, d, np.zeros(100), data_density=theory.gaussian_density(X), title="t")
    d_ax = [other for other in ax.figure.axes if other is not ax][0]
    np.testing.assert_allclose(d_ax.lines[-1].get_ydata(), d)
    assert d_ax.get_ylim() == (0, 1) and ax.get_title() == "t"
    plt.close("all")


def test_line_game_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        plotting.line_game(X, X[:-1], np.zeros(3), real=np.zeros(3))
    with pytest.raises(ValueError, match="data_density or real"):
        plotting.line_game(X, X, np.zeros(3))
    with pytest.raises(ValueError, match="frames"):
        plotting.line_game_snapshots([])


def test_discriminators_on_the_line_draws_every_curve():
    p, q = theory.gaussian_density(X, -1), theory.gaussian_density(X, 1)
    d_star = theory.optimal_discriminator(p, q)
    ax = plotting.discriminators_on_the_line(X, p, q, {"learned": d_star * 0.9, "D*": d_star})
    d_ax = [other for other in ax.figure.axes if other is not ax][0]
    plotted = [line for line in d_ax.lines if line.get_label() in ("learned", "D*")]
    assert len(plotted) == 2
    np.testing.assert_allclose(plotted[1].get_ydata(), d_star)
    with pytest.raises(ValueError, match="curves"):
        plotting.discriminators_on_the_line(X, p, q, {})
    plt.close("all")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_trajectories_draws_each_path_from_its_start():
    path = dirac.simulate("gan", steps=50, lr=0.1, start=(1.0, 0.5))
    ax = plotting.trajectories({"run": path})
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xydata(), path)
    assert ax.get_lines()[1].get_xydata().tolist() == [[1.0, 0.5]]  # the start marker
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["run", "equilibrium"]


def test_dirac_field_is_a_stream_plot_of_the_update_rule():
    ax = plotting.dirac_field("r1", gamma=0.5, limit=1.5)
    assert ax.get_title() == "r1"
    assert ax.get_xlim() == (-1.5, 1.5)
    assert len(ax.collections) >= 1  # the streamlines
    with pytest.raises(ValueError, match="gamma"):
        plotting.dirac_field("r1")
    with pytest.raises(ValueError, match="limit"):
        plotting.dirac_field("gan", limit=0.0)


def test_coverage_over_time_plots_every_curve_and_the_total():
    ax = plotting.coverage_over_time([1, 2, 3], {"a": [1, 2, 3], "b": [3, 3, 3]}, total=8)
    assert [line.get_ydata().tolist() for line in ax.get_lines()[:2]] == [[1, 2, 3], [3, 3, 3]]
    assert ax.get_lines()[2].get_ydata()[0] == 8
    with pytest.raises(ValueError, match="curve 'a'"):
        plotting.coverage_over_time([1, 2], {"a": [1, 2, 3]})
