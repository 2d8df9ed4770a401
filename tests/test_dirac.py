"""The Dirac-GAN: fields, eigenvalues against closed forms, and simulated dynamics."""

import numpy as np
import pytest

from gan_lib import dirac


def closed_form(trace_half, determinant=0.25):
    """Roots of x^2 - 2 * trace_half * x + determinant, sorted like ``dirac.eigenvalues``."""
    root = np.sqrt(complex(trace_half**2 - determinant))
    values = np.array([trace_half - root, trace_half + root])
    return values[np.lexsort((values.real, values.imag))]


@pytest.mark.parametrize(
    ("rule", "params", "expected"),
    [
        ("gan", {}, [-0.5j, 0.5j]),
        ("non_saturating", {}, [-0.5j, 0.5j]),
        ("wgan", {}, [-1j, 1j]),
        ("r1", {"gamma": 0.3}, closed_form(-0.15)),  # -gamma/2 +- sqrt(gamma^2/4 - 1/4), complex pair
        ("r1", {"gamma": 2.0}, closed_form(-1.0)),  # overdamped: two negative reals
        ("r1", {"gamma": 0.0}, [-0.5j, 0.5j]),
        ("instance_noise", {"sigma": 0.7}, closed_form(-(0.7**2) / 4)),  # -sigma^2/4 +- sqrt(sigma^4/16 - 1/4)
        ("instance_noise", {"sigma": 2.0}, closed_form(-1.0)),
    ],
)
def test_eigenvalues_match_the_closed_forms(rule, params, expected):
    np.testing.assert_allclose(dirac.eigenvalues(rule, **params), expected, atol=1e-7)


def test_wgan_gp_has_no_eigenvalues_at_the_kink():
    with pytest.raises(ValueError, match="wgan_gp"):
        dirac.eigenvalues("wgan_gp")


def test_field_works_on_grids_and_the_gan_field_is_a_pure_rotation():
    theta, psi = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-3, 3, 7))
    theta_dot, psi_dot = dirac.vector_field(theta, psi, "gan")
    assert theta_dot.shape == psi_dot.shape == (7, 9)
    # d/dt (theta^2 + psi^2) / 2 = 0: the continuous dynamics circle the equilibrium.
    np.testing.assert_allclose(theta * theta_dot + psi * psi_dot, 0.0, atol=1e-12)
    assert np.max(np.hypot(theta_dot, psi_dot)) > 0.5
    # The non-saturating generator loss adds a (nonlinear) pull inward.
    theta_dot, psi_dot = dirac.vector_field(theta, psi, "non_saturating")
    assert np.all(theta * theta_dot + psi * psi_dot <= 1e-12)
    assert np.min(theta * theta_dot + psi * psi_dot) < -0.1
    assert np.shape(dirac.vector_field(0.5, -1.0, "r1", gamma=1.0)[0]) == ()


def test_regularised_fields_reduce_to_the_gan_and_r1_damps_psi():
    theta, psi = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.4, -0.7])
    gan = dirac.vector_field(theta, psi, "gan")
    np.testing.assert_allclose(dirac.vector_field(theta, psi, "r1", gamma=0.0), gan)
    np.testing.assert_allclose(dirac.vector_field(theta, psi, "instance_noise", sigma=0.0), gan, atol=1e-12)
    r1 = dirac.vector_field(theta, psi, "r1", gamma=0.5)
    np.testing.assert_allclose(r1[1] - gan[1], -0.5 * psi)


def test_instance_noise_field_matches_monte_carlo():
    theta, psi, sigma = 0.8, -1.3, 0.9
    eps = np.random.default_rng(0).standard_normal((2, 2_000_000)) * sigma
    fake, real = theta + eps[0], eps[1]
    theta_mc = np.mean(-psi * dirac.f_prime(psi * fake))
    psi_mc = np.mean(fake * dirac.f_prime(psi * fake) - real * dirac.f_prime(-psi * real))
    theta_dot, psi_dot = dirac.vector_field(theta, psi, "instance_noise", sigma=sigma)
    assert theta_dot == pytest.approx(theta_mc, abs=2e-3) and psi_dot == pytest.approx(psi_mc, abs=2e-3)


def test_simultaneous_descent_on_the_gan_spirals_out():
    path = dirac.simulate("gan", steps=500, lr=0.1)
    radius = np.hypot(path[:, 0], path[:, 1])
    assert path.shape == (501, 2) and np.allclose(path[0], [1.0, 1.0])
    assert np.all(np.diff(radius) > 0)  # every Euler step of a rotation moves outward
    assert radius[-1] > 1.5 * radius[0]


def test_alternating_descent_on_the_gan_circles():
    path = dirac.simulate("gan", steps=2000, lr=0.1, order="alternating")
    radius = np.hypot(path[:, 0], path[:, 1])
    assert radius.min() > 0.95 * radius[0] and radius.max() < 1.05 * radius[0]  # bounded, and no convergence
    angle = np.unwrap(np.arctan2(path[:, 1], path[:, 0]))
    assert abs(angle[-1] - angle[0]) > 4 * 2 * np.pi  # it keeps going round


@pytest.mark.parametrize("order", ["simultaneous", "alternating"])
@pytest.mark.parametrize(("rule", "params"), [("r1", {"gamma": 0.3}), ("instance_noise", {"sigma": 0.7})])
def test_regularised_descent_converges(rule, params, order):
    path = dirac.simulate(rule, steps=2000, lr=0.1, order=order, **params)
    assert np.hypot(*path[-1]) < 1e-6


def test_clipped_wgan_does_not_converge():
    path = dirac.simulate("wgan", steps=3000, lr=0.05, order="alternating", clip=1.0)
    assert np.abs(path[:, 1]).max() <= 1.0
    radius = np.hypot(path[:, 0], path[:, 1])
    assert radius[-500:].min() > 0.9  # still orbiting at the end
    assert path[-500:, 0].min() < -0.5 < 0.5 < path[-500:, 0].max()  # the generator keeps swinging


def test_wgan_gp_does_not_reach_the_data():
    # A weak penalty leaves an orbit around the data; a strong one stalls the generator at
    # theta = -2 * weight, where the critic's one-sided gradient at psi = 0+ vanishes.
    for weight in (0.1, 0.3, 1.0):
        path = dirac.simulate("wgan_gp", steps=8000, lr=0.02, weight=weight)
        assert np.hypot(path[-1000:, 0], path[-1000:, 1]).min() > 1.0
    np.testing.assert_allclose(path[-1], [-2.0, 0.0], atol=1e-3)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: dirac.vector_field(0.0, 0.0, "wgan-gp"), "rule"),
        (lambda: dirac.vector_field(0.0, 0.0, "r1"), "gamma"),
        (lambda: dirac.vector_field(0.0, 0.0, "r1", gamma=-1.0), "gamma"),
        (lambda: dirac.vector_field(0.0, 0.0, "gan", gamma=1.0), "gamma"),
        (lambda: dirac.eigenvalues("instance_noise"), "sigma"),
        (lambda: dirac.simulate("wgan", steps=10, lr=0.1, clip=0.0), "clip"),
        (lambda: dirac.simulate("gan", steps=0, lr=0.1), "steps"),
        (lambda: dirac.simulate("gan", steps=10, lr=-0.1), "lr"),
        (lambda: dirac.simulate("gan", steps=10, lr=0.1, order="sequential"), "order"),
        (lambda: dirac.simulate("gan", steps=10, lr=0.1, start=(np.nan, 0.0)), "start"),
    ],
)
def test_bad_arguments(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
