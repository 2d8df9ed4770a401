"""The chapter figures of gan_lib.plotting draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gan_lib import dirac, plotting  # noqa: E402


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


def test_dirac_field_is_a_stream_plot_of_the_method():
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
