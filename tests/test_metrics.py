import math

import numpy as np
import pytest

from gan_lib import data, metrics

CENTERS = data.ring_centers()
STD = 0.01


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
