"""What chapter 6 reports of the stored Fashion-MNIST runs: bands over seeds, the final table,
stored samples as images, and nearest training images."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from module_imports import gan_lib_imports  # noqa: E402

from gan_lib import image_report, image_runs, plotting  # noqa: E402


def final(fid, memorised=False):
    return {"fid": fid, "precision": 0.5, "recall": 0.25, "classes": 10.0, "kl_uniform": 0.1,
            "median_ratio": 1.5, "memorised": memorised}  # fmt: skip


def stored_runs() -> image_runs.Stored:
    curves = {
        ("a", 0): {"step": np.array([10, 20, 30]), "fid": np.array([9.0, 5.0, 3.0])},
        ("a", 1): {"step": np.array([10, 20]), "fid": np.array([7.0, 6.0])},  # stopped early: no step 30
        ("a", 2): {"step": np.array([10, 20, 30]), "fid": np.array([8.0, 4.0, 1.0])},
        ("b", 0): {"step": np.array([10, 20, 30]), "fid": np.array([20.0, 30.0, 40.0])},
    }
    finals = {("a", 0): final(3.0), ("a", 1): final(6.0), ("a", 2): final(1.0, memorised=True), ("b", 0): final(40.0)}
    snapshots = {key: (np.array([10]), np.zeros((1, 36, 28, 28, 1), np.uint8)) for key in finals}
    return image_runs.Stored({}, curves, finals, snapshots)


def test_curve_band_is_the_median_and_range_over_seeds_at_the_steps_all_seeds_measured():
    band = image_report.curve_band(stored_runs(), "a")
    assert band["step"].tolist() == [10, 20] and band["seeds"].tolist() == [0, 1, 2]
    assert band["median"].tolist() == [8.0, 5.0]
    assert band["low"].tolist() == [7.0, 4.0] and band["high"].tolist() == [9.0, 6.0]
    with pytest.raises(ValueError, match="no finished runs"):
        image_report.curve_band(stored_runs(), "c")
    with pytest.raises(ValueError, match="column must be one of fid"):
        image_report.curve_band(stored_runs(), "a", "loss")


def test_final_table_gives_median_and_range_and_flags_memorisation():
    table = image_report.final_table(stored_runs(), ["a", "b"], labels={"a": "recipe A"})
    assert "<table" in table and "recipe A" in table
    assert "3.0 [1.0, 6.0]" in table  # FID: median 3 of (3, 6, 1)
    assert ">0.2500 [0.2500, 0.2500]<" in table  # recall to 4 digits: chapter 6's smallest is 0.0001
    assert ">40.0<" in table  # one seed: the value alone
    rows = table.split("<tr>")[2:]
    assert rows[0].rstrip().endswith("yes</td></tr>") and "no</td>" in rows[1]
    with pytest.raises(ValueError, match="no finished runs"):
        image_report.final_table(stored_runs(), ["a", "c"])


def test_as_images_maps_bytes_back_to_the_tanh_range():
    images = image_report.as_images(np.array([[0, 255]], np.uint8))
    assert images.dtype == np.float32 and images.tolist() == [[-1.0, 1.0]]
    with pytest.raises(ValueError, match="uint8"):
        image_report.as_images(np.zeros(2))


def test_nearest_training_images_finds_copies_across_chunks():
    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, (50, 28, 28, 1)).astype(np.float32)
    samples = np.stack([train[37], train[3] + 0.01, rng.uniform(-1, 1, (28, 28, 1)).astype(np.float32)])
    index, distance = image_report.nearest_training_images(samples, train, chunk=16)
    assert index[:2].tolist() == [37, 3]
    assert distance[0] == pytest.approx(0.0, abs=1e-3) and distance[1] == pytest.approx(0.28, abs=1e-3)
    brute = np.linalg.norm(samples[2].ravel() - train.reshape(50, -1), axis=1)
    assert index[2] == brute.argmin() and distance[2] == pytest.approx(brute.min(), rel=1e-5)
    with pytest.raises(ValueError, match="image shape"):
        image_report.nearest_training_images(samples[:, :14], train)
    with pytest.raises(ValueError, match="not be empty"):
        image_report.nearest_training_images(samples[:0], train)


def test_curve_bands_draws_a_line_and_a_band_per_recipe_and_the_floor():
    stored = stored_runs()
    bands = {name: image_report.curve_band(stored, name) for name in ("a", "b")}
    ax = plotting.curve_bands(bands, floor=0.5)
    assert [line.get_label() for line in ax.get_lines()] == ["a (3 seeds)", "b (1 seed)", "floor (train vs test)"]
    assert len(ax.collections) == 2 and ax.get_yscale() == "log"
    plt.close("all")
    with pytest.raises(ValueError, match="at least one"):
        plotting.curve_bands({})


def test_metrics_table_puts_each_generator_next_to_the_floor():
    found = {
        "good": {"fid": 6.5, "coverage": {"classes": 10, "kl_uniform": 0.007}, "pr": {"precision": 0.61, "recall": 0.5},
                 "memorisation": {"median_ratio": 1.04, "memorised": False}},
        "copy": {"fid": 4.3, "coverage": {"classes": 9, "kl_uniform": 0.1}, "pr": {"precision": 0.9, "recall": 0.8},
                 "memorisation": {"median_ratio": 0.1, "memorised": True}},
    }  # fmt: skip
    table = image_report.metrics_table(found, 4.3, labels={"good": "the recipe"}, classes="digits made")
    assert "<th>digits made</th>" in table
    rows = table.split("<tr>")[2:]
    assert len(rows) == 3 and rows[0].startswith("<td>real (test split)</td><td>4.30</td><td>1.0</td>")
    assert rows[1].startswith("<td>the recipe</td><td>6.50</td><td>1.5</td><td>10</td><td>0.007</td>")
    assert "<td>0.61</td><td>0.50</td><td>1.04</td><td>no</td>" in rows[1]
    assert rows[2].startswith("<td>copy</td><td>4.30</td><td>1.0</td>") and "<td>yes</td>" in rows[2]
    for bad, message in (({}, "at least one"), (found, "floor")):
        with pytest.raises(ValueError, match=message):
            image_report.metrics_table(bad, 0.0 if bad else 1.0)


def test_losses_and_fid_draws_both_players_losses_and_the_fid_of_each_run():
    stored = stored_runs()
    curves = {}
    for label, key in (("tutorial", ("b", 0)), ("recipe", ("a", 0))):
        curve = dict(stored.curves[key])
        curves[label] = {**curve, "d_loss": np.ones(3), "g_loss": np.full(3, 2.0)}
    figure, (losses, fid) = plotting.losses_and_fid(curves, floor=0.5)
    assert [line.get_label() for line in losses.get_lines()] == [
        "tutorial: D loss", "tutorial: G loss", "recipe: D loss", "recipe: G loss"]  # fmt: skip
    assert [line.get_label() for line in fid.get_lines()] == ["tutorial", "recipe", "floor (real vs real)"]
    assert fid.get_lines()[1].get_ydata().tolist() == [9.0, 5.0, 3.0] and fid.get_yscale() == "log"
    plt.close(figure)
    with pytest.raises(ValueError, match="at least one"):
        plotting.losses_and_fid({})


def test_image_report_reads_and_draws_nothing_of_its_own():
    assert gan_lib_imports(image_report) == {"gan_lib", "gan_lib._checks", "gan_lib.image_runs"}
