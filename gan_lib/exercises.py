"""Checkers for the chapters' code exercises.

A reader writes a function (or computes a value) and passes it to a checker. The checker runs
it on cases whose answers it knows, and returns a ``Report``: a verdict and, in plain words,
what is right and what is wrong, including the usual mistakes (swapped arguments, bits instead
of nats, the saturating loss, a missing term). It describes properties the answer should have,
never the answer's formula. In a notebook, ``print(report)`` or just evaluate it.

    report = gl.exercises.check_optimal_discriminator(my_d_star)
    print(report)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gan_lib import dirac, metrics, theory


@dataclass
class Report:
    """What a checker found: ``passed``, and one line per check (✓ right, ✗ wrong, hint after)."""

    exercise: str
    passed: bool = True
    lines: list[str] = field(default_factory=list)

    def right(self, text: str) -> None:
        self.lines.append(f"  ✓ {text}")

    def wrong(self, text: str) -> None:
        self.passed = False
        self.lines.append(f"  ✗ {text}")

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "all checks pass" if self.passed else "not yet"
        return "\n".join([f"{self.exercise}: {verdict}", *self.lines])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the text, not the dataclass
        printer.text(str(self))


def _callable(value: object, name: str) -> Callable:
    if not callable(value):
        raise ValueError(f"{name} must be a function, got {type(value).__name__}")
    return value  # type: ignore[return-value]


def _run(report: Report, function: Callable, *args: Any) -> np.ndarray | None:
    """Call the reader's function; a crash or a non-numeric result becomes a finding."""
    try:
        result = function(*args)
        return np.asarray(result, dtype=np.float64)
    except Exception as error:  # noqa: BLE001 - any failure of the reader's code is reported, not raised
        report.wrong(f"your function raised {type(error).__name__}: {error}")
        return None


# --- Chapter 2: the optimal discriminator and the Jensen-Shannon divergence ---------------------


def check_optimal_discriminator(d_star: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Report:
    """``d_star(p_data, p_g)``: the best discriminator's output at points where the data and the
    generator have densities ``p_data`` and ``p_g`` (numpy arrays of the same shape)."""
    d_star = _callable(d_star, "d_star")
    report = Report("optimal discriminator")
    x = np.linspace(-4, 4, 401)
    p_data = theory.mixture_density(x, [-1.0, 1.5], 0.6, [0.4, 0.6])
    p_g = theory.gaussian_density(x, 0.5, 1.2)
    result = _run(report, d_star, p_data, p_g)
    if result is None:
        return report
    if result.shape != x.shape:
        report.wrong(f"one value per point is expected: shape {x.shape}, got {result.shape}")
        return report
    report.right("one value per point")
    expected = theory.optimal_discriminator(p_data, p_g)
    if not np.all(np.isfinite(result)):
        report.wrong("some values are NaN or infinite; check what happens where a density is tiny")
    elif np.any(result < -1e-9) or np.any(result > 1 + 1e-9):
        report.wrong("D(x) is a probability, but some of your values lie outside [0, 1]")
    elif np.allclose(result, 1 - expected, atol=1e-6):
        report.wrong("your D is high where the generator's density dominates: it should be high where the data's does")
    elif np.ptp(result) < 1e-6:
        report.wrong("your D is the same everywhere: that is only optimal when the two densities are equal")
    elif not np.allclose(result, expected, atol=1e-6):
        worst = float(x[np.argmax(np.abs(result - expected))])
        report.wrong(f"values in [0, 1], but not the optimal ones (largest error near x = {worst:.2f})")
    else:
        report.right("values in [0, 1], high where the data's density dominates")
        report.right("equal to the optimum at every point (to 1e-6)")
    equal = _run(report, d_star, p_data, p_data)
    if equal is not None and equal.shape == x.shape and np.allclose(equal, 0.5, atol=1e-6):
        report.right("when the two densities are equal, D is 1/2 everywhere")
    elif equal is not None:
        report.wrong("when the two densities are equal, the best D cannot tell them apart: what value must it take?")
    return report


def check_jsd(jsd: Callable[[np.ndarray, np.ndarray, float], float]) -> Report:
    """``jsd(p, q, dx)``: the Jensen-Shannon divergence, in nats, of two densities tabulated on a
    grid of spacing ``dx``."""
    jsd = _callable(jsd, "jsd")
    report = Report("Jensen-Shannon divergence")
    x = np.linspace(-6, 6, 1201)
    dx = float(x[1] - x[0])
    p = theory.gaussian_density(x, -1.0, 0.7)
    q = theory.gaussian_density(x, 1.0, 1.0)
    disjoint_p = np.where(x < 0, 1.0 / 6, 0.0)
    disjoint_q = np.where(x > 0, 1.0 / 6, 0.0)  # 600 grid points each side: both integrate to 1
    same = _run(report, jsd, p, p, dx)
    apart = _run(report, jsd, disjoint_p, disjoint_q, dx)
    forward = _run(report, jsd, p, q, dx)
    backward = _run(report, jsd, q, p, dx)
    if any(v is None for v in (same, apart, forward, backward)):
        return report
    same, apart, forward, backward = (float(v) for v in (same, apart, forward, backward))
    expected = theory.jsd(p, q, dx)
    if abs(same) < 1e-6:
        report.right("identical densities give 0")
    else:
        report.wrong(f"identical densities should give 0, got {same:.4g}")
    if not np.isfinite(apart):
        report.wrong("densities with disjoint supports give an infinite value: that is KL's behaviour, not JSD's")
    elif abs(apart - 1.0) < 1e-3:
        report.wrong("disjoint supports give 1: you measured in bits (log base 2); the book uses nats")
    elif abs(apart - 2 * np.log(2)) < 1e-3:
        report.wrong("disjoint supports give 2 log 2: a factor of 1/2 is missing")
    elif abs(apart - np.log(2)) < 1e-3:
        report.right("disjoint supports give the maximum, log 2")
    else:
        report.wrong(f"disjoint supports should give JSD's maximum; got {apart:.4g}")
    if abs(forward - backward) > 1e-6:
        report.wrong("jsd(p, q) differs from jsd(q, p): JSD is symmetric (did you compute a KL divergence?)")
    elif abs(forward - expected) < 1e-6:
        report.right("symmetric, and right for two overlapping Gaussians")
    else:
        report.wrong(f"symmetric, but wrong for two overlapping Gaussians (off by {forward - expected:+.4g})")
    return report


# --- Chapter 3: the non-saturating generator loss --------------------------------------------


def check_non_saturating_loss(generator_loss: Callable[[np.ndarray], float]) -> Report:
    """``generator_loss(fake_logits)``: the non-saturating generator loss, the mean over a batch of
    the discriminator's logits on generated samples (a logit l means D = sigmoid(l))."""
    generator_loss = _callable(generator_loss, "generator_loss")
    report = Report("non-saturating generator loss")

    def loss_at(value: float) -> float | None:
        result = _run(report, generator_loss, np.full((4, 1), value, dtype=np.float32))
        if result is None or result.size != 1:
            if result is not None:
                report.wrong(f"the loss must be one number (the batch mean), got shape {result.shape}")
            return None
        return float(result)

    zero = loss_at(0.0)
    if zero is None:
        return report
    if abs(zero - np.log(2)) < 1e-4:
        report.right("at D = 1/2 the loss is log 2")
    else:
        report.wrong(f"at D = 1/2 (logit 0) the loss should be log 2 = 0.693, got {zero:.4g}")
    low, high = loss_at(-2.0), loss_at(2.0)
    if low is None or high is None:
        return report
    if not low > high:
        report.wrong("the loss should fall as D(G(z)) rises: the generator wants to be called real")
        return report
    report.right("the loss falls as the discriminator believes the samples more")
    step = 1e-2
    far = [loss_at(v) for v in (-20.0, -20.0 + step)]
    if None in far:
        return report
    slope = (far[1] - far[0]) / step
    if abs(slope) < 0.1:
        report.wrong(
            "where D confidently rejects the samples (logit -20) the loss is flat, so the generator "
            "gets no gradient: that is the saturating minimax loss"
        )
    else:
        report.right("where D confidently rejects the samples, the gradient stays large (it does not saturate)")
    extreme = [loss_at(v) for v in (-100.0, 100.0)]
    if None not in extreme and all(np.isfinite(v) for v in extreme):
        report.right("finite for logits of -100 and 100")
    elif None not in extreme:
        report.wrong(
            "not finite for logits of -100 or 100: compute from the logits directly "
            "(a log of a sigmoid that rounds to 0 gives -inf)"
        )
    return report


# --- Chapter 4: the Dirac-GAN's eigenvalues -----------------------------------------------------


def check_dirac_eigenvalues(values: object) -> Report:
    """``values``: the two eigenvalues (complex numbers) of the Jacobian of the plain Dirac-GAN's
    gradient field at its equilibrium (theta, psi) = (0, 0)."""
    report = Report("Dirac-GAN eigenvalues")
    try:
        found = np.sort_complex(np.asarray(values, dtype=np.complex128).ravel())
    except (TypeError, ValueError):
        report.wrong(f"expected two numbers, got {values!r}")
        return report
    if found.size != 2:
        report.wrong(f"a 2x2 Jacobian has two eigenvalues, got {found.size}")
        return report
    expected = np.sort_complex(np.asarray(dirac.eigenvalues("gan"), dtype=np.complex128))
    if np.allclose(found.real, 0, atol=1e-6):
        report.right("real parts 0: no damping, the players neither converge nor diverge")
    else:
        report.wrong("a real part is not 0: the plain game has no term that pulls towards or pushes from (0, 0)")
    if not np.isclose(found[0], np.conj(found[1]), atol=1e-6):
        report.wrong("the two eigenvalues of a real matrix come as a complex-conjugate pair")
    elif np.allclose(found, expected, atol=1e-6):
        report.right("the right pair of imaginary eigenvalues: a pure rotation")
    elif np.allclose(np.abs(found.imag), 2 * np.abs(expected.imag), atol=1e-6):
        report.wrong("twice the expected size: check the derivative of the activation at 0")
    else:
        report.wrong("a conjugate pair, but not the right size: evaluate the Jacobian at the equilibrium")
    return report


# --- Chapter 6: the Fréchet distance ------------------------------------------------------------


def check_frechet_distance(frechet: Callable[[np.ndarray, np.ndarray], float]) -> Report:
    """``frechet(features_a, features_b)``: the Fréchet distance between Gaussians fitted to two
    sets of feature vectors (rows are samples), as in FID."""
    frechet = _callable(frechet, "frechet")
    report = Report("Fréchet distance")
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 4)) @ np.diag([1.0, 2.0, 0.5, 1.5])
    b = rng.normal(size=(400, 4)) @ np.array([[1.0, 0.3, 0, 0], [0, 1.0, 0, 0], [0, 0, 2.0, 0], [0, 0, 0.2, 0.7]])
    b = b + np.array([0.5, -1.0, 0.0, 0.3])
    same = _run(report, frechet, a, a)
    ab = _run(report, frechet, a, b)
    ba = _run(report, frechet, b, a)
    if any(v is None for v in (same, ab, ba)):
        return report
    same, ab, ba = float(same), float(ab), float(ba)
    expected = metrics.frechet_distance(a, b)
    mean_part = float(np.sum((a.mean(0) - b.mean(0)) ** 2))
    if abs(same) < 1e-6:
        report.right("a set against itself gives 0")
    else:
        report.wrong(f"a set against itself should give 0, got {same:.4g}")
    if abs(ab - ba) > 1e-6 * max(1.0, abs(ab)):
        report.wrong("frechet(a, b) differs from frechet(b, a): the distance is symmetric")
    if abs(ab - expected) < 1e-6 * max(1.0, expected):
        report.right("right for two Gaussians with different means and covariances")
    elif abs(ab - mean_part) < 1e-6 * max(1.0, mean_part):
        report.wrong("only the means count in your distance: the covariances must count too")
    elif abs(ab**2 - expected) < 1e-6 * max(1.0, expected):
        report.wrong("you returned the square root: FID is the squared distance")
    elif abs(ab - _biased_frechet(a, b)) < 1e-6 * max(1.0, expected):
        report.wrong("your covariances divide by n: use the unbiased estimate, as np.cov does by default")
    else:
        report.wrong(f"wrong for two Gaussians with different covariances (off by {ab - expected:+.4g})")
    return report


def _biased_frechet(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance with covariances divided by n instead of n - 1 (a common slip)."""

    def shrink(x: np.ndarray) -> np.ndarray:  # np.cov of the result is the 1/n covariance of x; same mean
        return x.mean(0) + np.sqrt((len(x) - 1) / len(x)) * (x - x.mean(0))

    return metrics.frechet_distance(shrink(a), shrink(b))
