import math

import numpy as np
import pytest

import gan_lib as gl
from gan_lib import theory

LOG2 = math.log(2.0)


def box(x, lo, hi):
    """The uniform density on [lo, hi), tabulated at the points x."""
    return np.where((x >= lo) & (x < hi), 1.0 / (hi - lo), 0.0)


# Cell midpoints of [-1, 3) in steps of 1/100: box densities on multiples of 0.01 are exact here.
DX = 0.01
X = -1.0 + DX * (np.arange(400) + 0.5)


def test_gaussian_density_known_values_and_mass():
    assert theory.gaussian_density(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert theory.gaussian_density(3.0, mean=1.0, std=2.0) == pytest.approx(
        math.exp(-0.5) / (2 * math.sqrt(2 * math.pi))
    )
    x = np.linspace(-10, 10, 4001)
    assert np.sum(theory.gaussian_density(x, 0.5, 1.3)) * (x[1] - x[0]) == pytest.approx(1.0, abs=1e-9)


def test_mixture_density_matches_the_sampler_in_gan_lib_data():
    means = np.array([[-1.5], [1.5]])
    x = np.linspace(-6, 6, 2401)
    dx = x[1] - x[0]
    p = theory.mixture_density(x, means, 0.5)
    assert np.sum(p) * dx == pytest.approx(1.0, abs=1e-9)
    samples = gl.data.mixture(200_000, means, 0.5, seed=0)[:, 0]
    # Closed-form mean 0 and variance 1.5^2 + 0.5^2 = 2.5; the sample agrees to sampling error.
    assert np.sum(x * p) * dx == pytest.approx(0.0, abs=1e-12)
    assert np.sum(x**2 * p) * dx == pytest.approx(2.5, rel=1e-9)
    assert samples.mean() == pytest.approx(0.0, abs=0.02)
    assert samples.var() == pytest.approx(2.5, rel=0.02)
    # Fraction of samples left of 0 against the integral of the density over x < 0.
    assert np.mean(samples < 0) == pytest.approx(np.sum(p[x < 0]) * dx, abs=0.01)


def test_mixture_density_weights():
    x = np.array([-1.0, 0.0, 2.0])
    weighted = theory.mixture_density(x, [0.0, 2.0], 1.0, weights=[0.25, 0.75])
    expected = 0.25 * theory.gaussian_density(x, 0.0) + 0.75 * theory.gaussian_density(x, 2.0)
    np.testing.assert_allclose(weighted, expected)
    with pytest.raises(ValueError, match="weights"):
        theory.mixture_density(x, [0.0, 2.0], 1.0, weights=[0.5, 0.6])
    with pytest.raises(ValueError, match="means"):
        theory.mixture_density(x, [], 1.0)
    with pytest.raises(ValueError, match="std"):
        theory.mixture_density(x, [0.0], 0.0)


def test_optimal_discriminator_constructed_cases():
    p_data = np.array([1.0, 0.0, 2.0, 3.0, 0.0, 0.4])
    p_g = np.array([1.0, 0.0, 0.0, 1.0, 5.0, 0.1])
    expected = np.array([0.5, 0.5, 1.0, 0.75, 0.0, 0.8])
    np.testing.assert_allclose(theory.optimal_discriminator(p_data, p_g), expected)


def test_optimal_discriminator_rejects_bad_input():
    with pytest.raises(ValueError, match="p_g"):
        theory.optimal_discriminator([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="same shape"):
        theory.optimal_discriminator([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="p_data"):
        theory.optimal_discriminator([np.nan], [1.0])


def test_jsd_is_zero_for_equal_and_log2_for_disjoint():
    p = box(X, 0.0, 1.0)
    assert theory.jsd(p, p, DX) == 0.0
    assert theory.jsd(p, box(X, 1.0, 2.0), DX) == pytest.approx(LOG2, rel=1e-12)
    assert theory.jsd(p, box(X, 1.5, 3.0), DX) == pytest.approx(LOG2, rel=1e-12)


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
def test_jsd_of_shifted_boxes_is_shift_times_log2(shift):
    # On the overlap p = q = m contributes 0; on each non-overlap of width `shift`, p/m = 2.
    p, q = box(X, 0.0, 1.0), box(X, shift, 1.0 + shift)
    assert theory.jsd(p, q, DX) == pytest.approx(shift * LOG2, abs=1e-12)


def test_jsd_is_symmetric_and_bounded():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p, q = rng.random(X.size), rng.random(X.size) * (rng.random(X.size) < 0.5)
        p, q = p / (p.sum() * DX), q / (q.sum() * DX)
        forward, backward = theory.jsd(p, q, DX), theory.jsd(q, p, DX)
        assert forward == pytest.approx(backward, rel=1e-12)
        assert 0 < forward < LOG2


def test_jsd_refuses_densities_that_do_not_integrate_to_one():
    p = box(X, 0.0, 1.0)
    with pytest.raises(ValueError, match="q integrates to 0.5"):
        theory.jsd(p, 0.5 * p, DX)
    with pytest.raises(ValueError, match="dx"):
        theory.jsd(p, p, 0.0)


def test_kl_matches_the_gaussian_closed_form():
    x = np.linspace(-15, 15, 6001)
    dx = x[1] - x[0]
    m1, s1, m2, s2 = 0.3, 0.8, -1.0, 1.7
    expected = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    p, q = theory.gaussian_density(x, m1, s1), theory.gaussian_density(x, m2, s2)
    assert theory.kl(p, q, dx) == pytest.approx(expected, rel=1e-8)
    assert theory.kl(p, p, dx) == 0.0
    assert theory.kl(box(X, 0.0, 1.0), box(X, 0.5, 1.5), DX) == math.inf


def test_value_function_at_one_half_is_minus_log4():
    p, q = box(X, 0.0, 1.0), box(X, 0.3, 2.3)
    assert theory.value_function(np.full(X.size, 0.5), p, q, DX) == pytest.approx(-math.log(4.0), rel=1e-12)


def test_value_function_closed_form_on_boxes():
    # p on [0, 1), q on [0.5, 1.5): D* = 1 on [0, .5), 1/2 on [.5, 1), 0 on [1, 1.5).
    p, q = box(X, 0.0, 1.0), box(X, 0.5, 1.5)
    d_star = theory.optimal_discriminator(p, q)
    # V = 0.5 log 1 + 0.5 log(1/2) + 0.5 log(1/2) + 0.5 log 1 = -log 2
    assert theory.value_function(d_star, p, q, DX) == pytest.approx(-LOG2, rel=1e-12)
    assert theory.value_function(d_star, p, q, DX) == pytest.approx(-math.log(4) + 2 * theory.jsd(p, q, DX))


def test_value_function_is_maximised_by_the_optimal_discriminator():
    p = theory.mixture_density(X, [0.5, 1.5], 0.2)
    q = theory.gaussian_density(X, 1.0, 0.5)
    p, q = p / (p.sum() * DX), q / (q.sum() * DX)
    d_star = theory.optimal_discriminator(p, q)
    best = theory.value_function(d_star, p, q, DX)
    assert best == pytest.approx(-math.log(4) + 2 * theory.jsd(p, q, DX), abs=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(10):
        other = np.clip(d_star + rng.normal(0, 0.05, X.size), 1e-6, 1 - 1e-6)
        assert theory.value_function(other, p, q, DX) < best


def test_value_function_ignores_points_without_mass_and_reaches_minus_inf():
    p, q = box(X, 0.0, 1.0), box(X, 1.0, 2.0)
    d = theory.optimal_discriminator(p, q)  # exactly 1 on p's support and 0 on q's
    assert theory.value_function(d, p, q, DX) == 0.0
    wrong = 1.0 - d  # D = 0 where the data has mass: log 0
    assert theory.value_function(wrong, p, q, DX) == -math.inf
    with pytest.raises(ValueError, match="d must hold probabilities"):
        theory.value_function(d + 0.5, p, q, DX)
    with pytest.raises(ValueError, match="same shape"):
        theory.value_function(d[:-1], p, q, DX)


def test_optimal_logit_is_the_logit_of_the_optimal_discriminator():
    p_data = np.array([1.0, 0.0, 2.0, 3.0, 0.0])
    p_g = np.array([1.0, 0.0, 0.0, 1.0, 5.0])
    logit = theory.optimal_logit(p_data, p_g)
    np.testing.assert_allclose(logit, [0.0, 0.0, np.inf, np.log(3.0), -np.inf])
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), theory.optimal_discriminator(p_data, p_g))


def test_value_function_from_logits_matches_probabilities_and_survives_rounding():
    p = theory.mixture_density(X, [0.5, 1.5], 0.2)
    q = theory.gaussian_density(X, 1.0, 0.5)
    p, q = p / (p.sum() * DX), q / (q.sum() * DX)
    d_star, logit = theory.optimal_discriminator(p, q), theory.optimal_logit(p, q)
    assert theory.value_function(logit, p, q, DX, logits=True) == pytest.approx(
        theory.value_function(d_star, p, q, DX), rel=1e-12
    )
    # Far-apart Gaussians: D* rounds to 1.0 where p_g is ~1e-30 of p_data, so the probability form
    # gives -inf; the logit form gives the true value, -log 4 + 2 JSD (JSD close to log 2).
    far_p, far_q = theory.gaussian_density(X, 0.0, 0.1), theory.gaussian_density(X, 2.0, 0.1)
    assert theory.value_function(theory.optimal_discriminator(far_p, far_q), far_p, far_q, DX) == -math.inf
    exact = theory.value_function(theory.optimal_logit(far_p, far_q), far_p, far_q, DX, logits=True)
    assert exact == pytest.approx(-math.log(4) + 2 * theory.jsd(far_p, far_q, DX), abs=1e-12)
    assert exact == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="NaN"):
        theory.value_function(np.full(X.size, np.nan), p, q, DX, logits=True)
