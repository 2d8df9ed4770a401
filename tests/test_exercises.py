"""Each checker passes the reference solution and catches the usual mistakes with its message."""

import numpy as np
import pytest

import gan_lib as gl
from gan_lib import exercises


def messages(report):
    return "\n".join(report.lines)


# --- optimal discriminator ---


def test_optimal_discriminator_passes_the_reference():
    report = exercises.check_optimal_discriminator(lambda p_data, p_g: p_data / (p_data + p_g))
    assert report and "✗" not in str(report)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p_data, p_g: p_g / (p_data + p_g), "generator's density dominates"),
        (lambda p_data, p_g: p_data / p_g, "outside [0, 1]"),
        (lambda p_data, p_g: np.full_like(p_data, 0.5), "the same everywhere"),
        (lambda p_data, p_g: p_data / (p_data + p_g + 0.1), "not the optimal ones"),
        (lambda p_data, p_g: p_data[:10], "one value per point"),
        (lambda p_data, p_g: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_optimal_discriminator_names_the_mistake(wrong, message):
    with np.errstate(all="ignore"):
        report = exercises.check_optimal_discriminator(wrong)
    assert not report and message in messages(report), str(report)


# --- Jensen-Shannon divergence ---


def reference_jsd(p, q, dx):
    m = (p + q) / 2

    def kl(a, b):
        inside = a > 0
        return float(np.sum(a[inside] * np.log(a[inside] / b[inside])) * dx)

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def test_jsd_passes_the_reference_and_agrees_with_theory():
    report = exercises.check_jsd(reference_jsd)
    assert report and "✗" not in str(report), str(report)
    report = exercises.check_jsd(gl.theory.jsd)
    assert report, str(report)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p, q, dx: reference_jsd(p, q, dx) / np.log(2), "bits"),
        (lambda p, q, dx: 2 * reference_jsd(p, q, dx), "factor of 1/2"),
        (lambda p, q, dx: gl.theory.kl(p, q, dx), "KL"),
        (lambda p, q, dx: reference_jsd(p, q, dx) + 0.01, "identical densities should give 0"),
    ],
)
def test_jsd_names_the_mistake(wrong, message):
    with np.errstate(all="ignore"):
        report = exercises.check_jsd(wrong)
    assert not report and message in messages(report), str(report)


# --- the non-saturating loss ---


def test_non_saturating_loss_passes_the_reference_in_numpy_and_in_keras():
    assert exercises.check_non_saturating_loss(lambda logits: np.mean(np.logaddexp(0.0, -logits)))
    report = exercises.check_non_saturating_loss(gl.losses.get("non_saturating").generator)
    assert report and "✗" not in str(report), str(report)


@pytest.mark.parametrize(
    "wrong, message",
    [
        # The saturating minimax form: mean log(1 - D(G(z))) = -mean softplus(logits).
        (lambda logits: -np.mean(np.logaddexp(0.0, logits)), "saturating minimax"),
        (lambda logits: np.mean(np.logaddexp(0.0, logits)), "should fall"),
        (lambda logits: -np.mean(np.log(1 / (1 + np.exp(-logits)))), "not finite"),
        (lambda logits: np.logaddexp(0.0, -logits), "one number"),
    ],
)
def test_non_saturating_loss_names_the_mistake(wrong, message):
    with np.errstate(all="ignore"):
        report = exercises.check_non_saturating_loss(wrong)
    assert not report and message in messages(report), str(report)


# --- Dirac-GAN eigenvalues ---


def test_dirac_eigenvalues():
    assert exercises.check_dirac_eigenvalues([0.5j, -0.5j])
    for wrong, message in (
        ([1j, -1j], "twice"),
        ([-0.1 + 0.5j, -0.1 - 0.5j], "real part"),
        ([0.5j, 0.5j], "conjugate pair"),
        ([0.5j], "two eigenvalues"),
        ("abc", "expected two numbers"),
    ):
        report = exercises.check_dirac_eigenvalues(wrong)
        assert not report and message in messages(report), (wrong, str(report))


# --- Fréchet distance ---


def test_frechet_distance_passes_the_library_and_names_mistakes():
    assert exercises.check_frechet_distance(gl.metrics.frechet_distance)

    def means_only(a, b):
        return float(np.sum((a.mean(0) - b.mean(0)) ** 2))

    def square_root(a, b):
        return float(np.sqrt(gl.metrics.frechet_distance(a, b)))

    def divided_by_n(a, b):
        def biased(x):
            return np.cov(x, rowvar=False, bias=True)

        root = np.linalg.eigvals(biased(a) @ biased(b))
        trace = float(np.sum(np.sqrt(np.clip(root.real, 0, None))))
        return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(biased(a) + biased(b)) - 2 * trace)

    for wrong, message in (
        (means_only, "only the means"),
        (square_root, "square root"),
        (divided_by_n, "divide by n"),
    ):
        report = exercises.check_frechet_distance(wrong)
        assert not report and message in messages(report), str(report)


def test_checkers_refuse_what_is_not_a_function():
    for checker in (
        exercises.check_optimal_discriminator,
        exercises.check_jsd,
        exercises.check_non_saturating_loss,
        exercises.check_frechet_distance,
    ):
        with pytest.raises(ValueError, match="must be a function"):
            checker(3)
