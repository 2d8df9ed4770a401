import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from module_imports import gan_lib_imports, imports

from gan_lib import data, metrics

ROOT = pathlib.Path(__file__).resolve().parents[1]
CENTERS = data.ring_centers()
STD = 0.01


# --- What metrics imports. ``import gan_lib.metrics`` runs gan_lib/__init__ first, which imports every
# module, so these checks look at the module itself: its source, and a fresh interpreter in which
# the package gan_lib is an empty stand-in and only the module's own imports run.

MODULES_LOADED_BY = """
import importlib, json, sys, types
package = types.ModuleType("gan_lib")  # stands in for gan_lib/__init__, which is not run
package.__path__ = [sys.argv[1]]
sys.modules["gan_lib"] = package
importlib.import_module(sys.argv[2])
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_by(module: str) -> set[str]:
    """Every module in sys.modules after importing ``module`` alone, without gan_lib/__init__."""
    result = subprocess.run(
        [sys.executable, "-c", MODULES_LOADED_BY, str(ROOT / "gan_lib"), module],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(result.stdout.splitlines()[-1]))


UPPER_FLOORS = {"gan_lib.training", "gan_lib.widgets", "gan_lib.plotting", "gan_lib.recipes"}


@pytest.mark.parametrize(
    ("module", "loads", "does_not_load"),
    [
        # metrics computes on numpy arrays: no TensorFlow or Keras either (Keras loads matplotlib.pyplot).
        (
            "gan_lib.metrics",
            {"gan_lib._checks", "numpy"},
            UPPER_FLOORS | {"gan_lib.judge", "gan_lib.data", "tensorflow", "keras", "matplotlib.pyplot"},
        ),
        # The judge sits above metrics and uses Keras: the same check sees what it imports, directly and
        # through data, and that it still stays below training, the widgets and plotting.
        pytest.param(
            "gan_lib.judge",
            {"gan_lib.metrics", "gan_lib.data", "gan_lib._version", "keras"},
            UPPER_FLOORS,
            marks=pytest.mark.slow,  # a fresh process that imports Keras and TensorFlow
        ),
    ],
)
def test_a_module_alone_loads_nothing_from_the_upper_floors(module, loads, does_not_load):
    loaded = modules_loaded_by(module)
    assert module in loaded and loads <= loaded, loads - loaded
    assert not loaded & does_not_load, loaded & does_not_load


def test_metrics_imports_only_the_argument_checks_from_gan_lib_even_inside_functions():
    assert gan_lib_imports(metrics) == {"gan_lib._checks"}
    assert "numpy" in imports(metrics)[0]  # the walk does find the module's imports


def test_every_mode_exactly():
    samples = np.repeat(CENTERS, 10, axis=0)
    result = metrics.mode_coverage(samples, CENTERS, STD)
    assert result == {"modes": 8, "high_quality": 1.0, "reverse_kl": pytest.approx(0.0, abs=1e-12)}


def test_a_subset_of_the_modes():
    # Equal mass on 2 of 8 modes: KL(p || uniform) = log(8 / 2).
    samples = np.repeat(CENTERS[:2], 50, axis=0)
    result = metrics.mode_coverage(samples, CENTERS, STD)
    assert result["modes"] == 2 and result["high_quality"] == 1.0
    assert result["reverse_kl"] == pytest.approx(math.log(4.0))


def test_unequal_mass_over_modes():
    samples = np.concatenate([np.repeat(CENTERS[:1], 30, axis=0), np.repeat(CENTERS[1:2], 10, axis=0)])
    p = np.array([0.75, 0.25])
    result = metrics.mode_coverage(samples, CENTERS, STD)
    assert result["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 8))))


def test_twenty_percent_far_from_every_mode():
    near = np.repeat(CENTERS, 10, axis=0)  # 80 samples
    far = np.full((20, 2), 10.0)
    result = metrics.mode_coverage(np.concatenate([near, far]), CENTERS, STD)
    assert result["modes"] == 8
    assert result["high_quality"] == pytest.approx(0.8)
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_samples_at_two_and_four_std_from_a_centre():
    direction = np.array([0.6, 0.8])  # unit vector
    at_two = CENTERS[3] + 2 * STD * direction
    at_four = CENTERS[5] + 4 * STD * direction
    result = metrics.mode_coverage(np.stack([at_two, at_four]), CENTERS, STD)
    # Only the sample at 2 std is high quality, so only mode 3 is covered.
    assert result["modes"] == 1 and result["high_quality"] == 0.5
    assert result["reverse_kl"] == pytest.approx(math.log(8))
    assert metrics.mode_coverage(np.stack([at_four]), CENTERS, STD, sigmas=5.0)["modes"] == 1


def test_no_high_quality_sample_gives_infinite_reverse_kl():
    result = metrics.mode_coverage(np.full((5, 2), 3.0), CENTERS, STD)
    assert result["modes"] == 0 and result["high_quality"] == 0.0 and result["reverse_kl"] == math.inf


def test_non_finite_samples_are_refused_unless_allowed_and_then_count_as_misses():
    good = np.repeat(CENTERS[:2], [30, 10], axis=0)  # 40 on two modes, 3:1
    bad = np.array([[np.nan, 0.0], [np.inf, np.inf], [0.0, -np.inf], [np.nan, np.nan]] * 15)  # 60
    samples = np.concatenate([good, bad])
    with pytest.raises(ValueError, match="samples"):
        metrics.mode_coverage(samples, CENTERS, STD)
    result = metrics.mode_coverage(samples, CENTERS, STD, allow_non_finite=True)
    p = np.array([0.75, 0.25])  # the finite ones only: the NaNs are neither high quality nor counted
    assert result["modes"] == 2 and result["high_quality"] == pytest.approx(0.4)
    assert result["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 8))))
    # A placeholder must not put a NaN on a mode: a centre at the origin stays uncovered.
    with_origin = np.concatenate([CENTERS, [[0.0, 0.0]]])
    assert metrics.mode_coverage(bad, with_origin, STD, allow_non_finite=True) == {
        "modes": 0, "high_quality": 0.0, "reverse_kl": math.inf}
    # Finite samples score the same either way.
    assert metrics.mode_coverage(good, CENTERS, STD, allow_non_finite=True) == metrics.mode_coverage(good, CENTERS, STD)
    for shape in [(5,), (2, 2, 2)]:
        with pytest.raises(ValueError, match="2-D"):
            metrics.mode_coverage(np.zeros(shape), CENTERS, STD, allow_non_finite=True)
    with pytest.raises(ValueError, match="allow_non_finite"):
        metrics.mode_coverage(good, CENTERS, STD, allow_non_finite="yes")


def test_real_samples_score_near_the_theoretical_ceiling():
    result = metrics.mode_coverage(data.grid(20_000, seed=0), data.grid_centers(), 0.05)
    ceiling = 1 - math.exp(-4.5)  # mass of a 2-D Gaussian within 3 std
    assert result["modes"] == 25
    assert result["high_quality"] == pytest.approx(ceiling, abs=0.005)
    assert result["reverse_kl"] < 0.005


def test_nearest_center_distances():
    index, distance = metrics.nearest_center(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.1], [3.0, 0.0]]))
    np.testing.assert_array_equal(index, [0, 1])
    np.testing.assert_allclose(distance, [0.1, 4.0], rtol=1e-6)


@pytest.mark.parametrize(
    ("samples", "centers", "std", "argument"),
    [
        (np.zeros((5, 3)), CENTERS, STD, "columns"),
        (np.zeros(5), CENTERS, STD, "samples"),
        (np.zeros((0, 2)), CENTERS, STD, "samples"),
        (np.full((3, 2), np.nan), CENTERS, STD, "samples"),
        (np.zeros((3, 2)), np.zeros((0, 2)), STD, "centers"),
        (np.zeros((3, 2)), CENTERS, -1.0, "std"),
        (np.zeros((3, 2)), CENTERS, 0.0, "std"),
    ],
)
def test_bad_arguments(samples, centers, std, argument):
    with pytest.raises(ValueError, match=argument):
        metrics.mode_coverage(samples, centers, std)


# --- Frechet distance: exact sample moments, so the closed forms hold to rounding.


def exact_gaussian_sample(mean, cov, n=400, seed=0):
    """n points whose sample mean and (ddof=1) covariance are exactly ``mean`` and ``cov``."""
    mean, cov = np.atleast_1d(np.asarray(mean, float)), np.atleast_2d(np.asarray(cov, float))
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.atleast_2d(np.cov(z, rowvar=False)))).T  # sample cov = I
    return z @ np.linalg.cholesky(cov).T + mean


def test_frechet_distance_diagonal_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, -1.0, 0.5])
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 9.0])
    a = exact_gaussian_sample(mu1, np.diag(s1), seed=0)
    b = exact_gaussian_sample(mu2, np.diag(s2), n=300, seed=1)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    # In 1-D it is (m1 - m2)^2 + (sd1 - sd2)^2.
    one_a, one_b = exact_gaussian_sample([2.0], [[9.0]], seed=2), exact_gaussian_sample([-1.0], [[1.0]], seed=3)
    assert metrics.frechet_distance(one_a[:, :1], one_b[:, :1]) == pytest.approx(9.0 + 4.0, rel=1e-9)


def test_frechet_distance_full_covariance_matches_scipy_sqrtm():
    import scipy.linalg

    rng = np.random.default_rng(5)
    root_a, root_b = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    cov_a, cov_b = root_a @ root_a.T + 0.1 * np.eye(4), root_b @ root_b.T + 0.1 * np.eye(4)
    mu_a, mu_b = rng.standard_normal(4), rng.standard_normal(4)
    a, b = exact_gaussian_sample(mu_a, cov_a, seed=6), exact_gaussian_sample(mu_b, cov_b, seed=7)
    cross = np.real(scipy.linalg.sqrtm(cov_a @ cov_b))
    expected = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * cross)
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-7)
    assert metrics.frechet_distance(a, b) == pytest.approx(metrics.frechet_distance(b, a), rel=1e-9)  # symmetric


def test_frechet_distance_of_identical_and_shifted_sets():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((500, 6)) @ rng.standard_normal((6, 6))
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shift = np.array([3.0, 0, 0, 4.0, 0, 0])
    assert metrics.frechet_distance(a, a + shift) == pytest.approx(25.0, rel=1e-8)  # only the means differ
    # Fewer samples than dimensions (singular covariances) still gives a finite, non-negative answer.
    few = rng.standard_normal((5, 20))
    assert metrics.frechet_distance(few, few) == pytest.approx(0.0, abs=1e-8)
    assert 0 < metrics.frechet_distance(few, rng.standard_normal((7, 20))) < np.inf


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: metrics.frechet_distance(np.zeros((5, 2)), np.zeros((5, 3))), "dimension"),
        (lambda: metrics.frechet_distance(np.zeros((1, 2)), np.zeros((5, 2))), "features_a"),
        (lambda: metrics.frechet_distance(np.zeros((5, 2)), np.full((5, 2), np.nan)), "features_b"),
        (lambda: metrics.class_histogram_stats(np.array([0, 10])), "labels"),
        (lambda: metrics.class_histogram_stats(np.array([0.5, 1.0])), "labels"),
        (lambda: metrics.precision_recall(np.zeros((3, 2)), np.zeros((9, 2))), "real_features"),
        (lambda: metrics.precision_recall(np.zeros((9, 2)), np.zeros((9, 2)), k=0), "k"),
        (lambda: metrics.memorisation(np.zeros((2, 4)), np.zeros((3, 4)), np.zeros((3, 4)), quantile=0.7), "quantile"),
        (lambda: metrics.memorisation(np.zeros((2, 4)), np.zeros((3, 5)), np.zeros((3, 4))), "same size"),
    ],
)
def test_image_metric_bad_arguments(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_class_histogram_stats_closed_forms():
    single = metrics.class_histogram_stats(np.full(50, 3))
    assert single["classes"] == 1 and single["kl_uniform"] == pytest.approx(math.log(10))
    uniform = metrics.class_histogram_stats(np.repeat(np.arange(10), 7))
    assert uniform["classes"] == 10 and uniform["kl_uniform"] == pytest.approx(0.0, abs=1e-12)
    two = metrics.class_histogram_stats(np.array([1, 8] * 20))
    assert two["classes"] == 2 and two["kl_uniform"] == pytest.approx(math.log(5))
    assert two["histogram"][1] == two["histogram"][8] == 0.5


# --- k-NN precision and recall on constructed 2-D features.


def test_precision_recall_sees_mode_dropping_and_misplaced_samples():
    rng = np.random.default_rng(0)
    blob_a, blob_b = rng.normal(0, 1, (500, 2)), rng.normal(20, 1, (500, 2))
    real = np.concatenate([blob_a, blob_b])
    same = metrics.precision_recall(real, real)
    assert same == {"precision": 1.0, "recall": 1.0}
    # Fresh samples of one blob only: they all look real (precision ~1), half the data is missed.
    dropped = metrics.precision_recall(real, rng.normal(0, 1, (500, 2)))
    assert dropped["precision"] > 0.95 and 0.4 < dropped["recall"] < 0.6
    far = metrics.precision_recall(real, rng.normal(100, 1, (500, 2)))
    assert far == {"precision": 0.0, "recall": 0.0}


# --- Nearest-neighbour memorisation check.


def test_memorisation_flags_copies_and_passes_new_images():
    train, _ = data.digits("train")
    test, _ = data.digits("test")
    reference, held_out = test[:180], test[180:]
    copies = metrics.memorisation(train[:300], train, reference)
    assert copies["memorised"] and copies["close_fraction"] == 1.0 and copies["fake_median"] == 0.0
    noisy_copies = metrics.memorisation(
        np.clip(train[:300] + np.random.default_rng(0).normal(0, 0.05, train[:300].shape), -1, 1), train, reference
    )
    assert noisy_copies["memorised"] and noisy_copies["median_ratio"] < 0.5
    # Held-out real images are new: about a 5% fraction is as close as the 5% quantile.
    fresh = metrics.memorisation(held_out, train, reference)
    assert not fresh["memorised"] and fresh["close_fraction"] < 0.1 and 0.8 < fresh["median_ratio"] < 1.25
    noise = metrics.memorisation(np.random.default_rng(1).uniform(-1, 1, (300, 8, 8, 1)), train, reference)
    assert not noise["memorised"] and noise["median_ratio"] > 2
