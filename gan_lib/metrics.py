"""Sample-quality metrics.

``mode_coverage`` implements the 2-D mixture protocol of PacGAN (Lin et al. 2018):
a sample is *high quality* if it lies within ``sigmas`` standard deviations of its
nearest centre; a mode is *covered* if it is the nearest centre of at least one
high-quality sample; the *reverse KL* compares the histogram of high-quality samples
over the centres with the uniform distribution over all centres.
"""

from __future__ import annotations

import numpy as np

from gan_lib._checks import finite_matrix, positive_float


def nearest_center(samples: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each sample, the index of its nearest centre and the Euclidean distance to it."""
    samples = finite_matrix(samples, "samples")
    centers = finite_matrix(centers, "centers")
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(
            f"samples and centers must have the same number of columns, got {samples.shape[1]} and {centers.shape[1]}"
        )
    # Squared distances via |a|^2 - 2ab + |b|^2, clipped at 0 against rounding.
    squared = (
        np.sum(samples**2, axis=1, keepdims=True) - 2.0 * samples @ centers.T + np.sum(centers**2, axis=1)[None, :]
    )
    index = np.argmin(squared, axis=1)
    distance = np.sqrt(np.maximum(squared[np.arange(len(samples)), index], 0.0))
    return index, distance


def mode_coverage(samples: np.ndarray, centers: np.ndarray, std: float, *, sigmas: float = 3.0) -> dict[str, float]:
    """Mode coverage, high-quality fraction and reverse KL of samples from a Gaussian mixture.

    Args:
        samples: (n, dim) generated points.
        centers: (modes, dim) centres of the true mixture, whose modes have equal weight.
        std: the standard deviation of each true mode, > 0.
        sigmas: a sample within ``sigmas * std`` of its nearest centre is high quality.

    Returns:
        A dict with ``modes`` (int: centres that are the nearest centre of at least one
        high-quality sample), ``high_quality`` (fraction of all samples that are high
        quality) and ``reverse_kl`` (KL(p || uniform) in nats, p the histogram of
        high-quality samples over the centres, with 0 log 0 = 0; ``inf`` when no
        sample is high quality, since p is then undefined).
    """
    std = positive_float(std, "std")
    sigmas = positive_float(sigmas, "sigmas")
    index, distance = nearest_center(samples, centers)
    n_modes = len(np.asarray(centers))
    good = distance <= sigmas * std
    counts = np.bincount(index[good], minlength=n_modes).astype(np.float64)
    if counts.sum() == 0:
        reverse_kl = float("inf")
    else:
        p = counts / counts.sum()
        nonzero = p > 0
        reverse_kl = float(np.sum(p[nonzero] * np.log(p[nonzero] * n_modes)))
    return {
        "modes": int(np.count_nonzero(counts)),
        "high_quality": float(np.mean(good)),
        "reverse_kl": reverse_kl,
    }
