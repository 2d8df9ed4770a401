"""The 1-D figures: they draw what they are given and refuse inconsistent input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gan_lib import plotting, theory  # noqa: E402

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
