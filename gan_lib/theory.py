"""Closed forms of GAN theory on 1-D grids: densities, optimal discriminator, divergences, value function.

Everything here works on densities tabulated on an evenly spaced grid with spacing ``dx``,
and integrals are Riemann sums ``sum(f(x) * dx)``.  That is accurate to many digits for
smooth densities on a grid that covers their mass, and exact for the piecewise-constant
densities the unit tests use.  Logarithms are natural, so divergences are in nats.

Conventions of measure theory are kept explicit: ``0 * log 0 = 0``, so points where a
density is zero contribute nothing, whatever the discriminator says there.
"""

from __future__ import annotations

import numpy as np

from gan_lib._checks import finite_array, finite_float, flag, positive_float, real_array

# How far a tabulated density's integral may be from 1 before jsd/kl refuse it.
MASS_TOLERANCE = 1e-3


def gaussian_density(x: np.ndarray, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """The density of N(mean, std**2) at the points ``x``."""
    std = positive_float(std, "std")
    mean = finite_float(mean, "mean")
    x = _points(x)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2.0 * np.pi))


def mixture_density(
    x: np.ndarray, means: np.ndarray, std: float, weights: np.ndarray | None = None
) -> np.ndarray:
    """The density of a 1-D Gaussian mixture at the points ``x``.

    Args:
        x: points on the line.
        means: the component means (any shape that flattens to one mean per component,
            so the (modes, 1) centres that ``gan_lib.data.mixture`` takes work as they are).
        std: the standard deviation shared by every component, > 0.
        weights: the component weights, >= 0 and summing to 1; None gives equal weights,
            as ``gan_lib.data.mixture`` samples.
    """
    x = _points(x)
    std = positive_float(std, "std")
    means = real_array(means, "means").ravel()
    if means.size == 0 or not np.all(np.isfinite(means)):
        raise ValueError("means must be a non-empty array of finite numbers")
    if weights is None:
        weights = np.full(means.size, 1.0 / means.size)
    weights = real_array(weights, "weights").ravel()
    if weights.shape != means.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError("weights must be one non-negative weight per mean, summing to 1")
    return sum(w * gaussian_density(x, m, std) for w, m in zip(weights, means))


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), elementwise.

    This is the discriminator that maximises V(D, G) for a fixed generator.  Where both
    densities are 0 the ratio is 0/0 and any value is optimal (such points carry no mass);
    this function returns 1/2 there, the answer of a discriminator that cannot tell.
    """
    p_data = _density(p_data, "p_data")
    p_g = _density(p_g, "p_g")
    _same_shape(p_data, p_g, "p_data", "p_g")
    total = p_data + p_g
    ratio = np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)
    return ratio


def kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """KL(p || q) = integral of p log(p / q), in nats; inf where q = 0 < p somewhere."""
    dx = positive_float(dx, "dx")
    p = _normalised(p, dx, "p")
    q = _normalised(q, dx, "q")
    _same_shape(p, q, "p", "q")
    return _kl(p, q, dx)


def jsd(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """The Jensen-Shannon divergence in nats: (KL(p || m) + KL(q || m)) / 2 with m = (p + q) / 2.

    Symmetric, 0 exactly when p = q, and at most log 2, reached when p and q do not overlap.
    ``p`` and ``q`` are densities on one grid of spacing ``dx``; each must integrate to 1.
    """
    dx = positive_float(dx, "dx")
    p = _normalised(p, dx, "p")
    q = _normalised(q, dx, "q")
    _same_shape(p, q, "p", "q")
    m = 0.5 * (p + q)
    # Rounding can leave a hair below 0 when p and q are equal; the divergence is >= 0.
    return max(0.0, 0.5 * (_kl(p, m, dx) + _kl(q, m, dx)))


def optimal_logit(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """The logit of D*: log p_data(x) - log p_g(x), elementwise, so that D* = sigmoid(logit).

    +inf where only p_data has mass, -inf where only p_g has, 0 (D* = 1/2) where neither has.
    Use it with ``value_function(..., logits=True)``: D* itself rounds to exactly 1.0 wherever
    p_g is below about 1e-16 times p_data, and log(1 - 1.0) is -inf although the true term is tiny.
    """
    p_data = _density(p_data, "p_data")
    p_g = _density(p_g, "p_g")
    _same_shape(p_data, p_g, "p_data", "p_g")
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf; -inf - (-inf) is replaced below
        logit = np.log(p_data) - np.log(p_g)
    return np.where((p_data == 0) & (p_g == 0), 0.0, logit)


def value_function(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, dx: float, *, logits: bool = False) -> float:
    """V(D, G) = integral of p_data log D + p_g log(1 - D), for D tabulated on the grid.

    The discriminator maximises V and the generator minimises it.  ``d`` holds
    probabilities in [0, 1], or logits (any value, +-inf included) when ``logits`` is True;
    logits keep log D and log(1 - D) accurate where D is within 1e-16 of 0 or 1.  A term
    whose density is 0 counts as 0 even where its log is -inf, and the result is -inf when
    D is 0 (or 1) somewhere the data (or the generator) has mass.
    """
    dx = positive_float(dx, "dx")
    p_data = _density(p_data, "p_data")
    p_g = _density(p_g, "p_g")
    d = real_array(d, "d")
    logits = flag(logits, "logits")
    _same_shape(p_data, p_g, "p_data", "p_g")
    _same_shape(d, p_data, "d", "p_data")
    with np.errstate(divide="ignore"):
        if logits:
            if np.any(np.isnan(d)):
                raise ValueError("d must not contain NaN")
            # log D = -softplus(-logit), log(1 - D) = -softplus(logit)
            log_d, log_not_d = -np.logaddexp(0.0, -d), -np.logaddexp(0.0, d)
        else:
            if not np.all((d >= 0) & (d <= 1)):
                raise ValueError("d must hold probabilities in [0, 1] (apply a sigmoid to logits, or pass logits=True)")
            log_d, log_not_d = np.log(d), np.log1p(-d)
    real_term = np.where(p_data > 0, p_data * np.where(p_data > 0, log_d, 0.0), 0.0)
    fake_term = np.where(p_g > 0, p_g * np.where(p_g > 0, log_not_d, 0.0), 0.0)
    return float(np.sum(real_term + fake_term) * dx)


def _kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])) * dx)


def _points(x: object) -> np.ndarray:
    """The points ``x`` where a density is evaluated: a non-empty array of finite numbers."""
    return finite_array(x, "x")


def _density(values: object, name: str) -> np.ndarray:
    array = real_array(values, name)
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{name} must hold finite, non-negative density values")
    return array


def _normalised(values: object, dx: float, name: str) -> np.ndarray:
    array = _density(values, name)
    mass = float(np.sum(array) * dx)
    if abs(mass - 1.0) > MASS_TOLERANCE:
        raise ValueError(f"{name} integrates to {mass:.6f} over the grid, not 1: widen the grid or normalise it")
    return array


def _same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")
