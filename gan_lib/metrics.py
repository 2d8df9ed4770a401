"""Sample-quality metrics.

``mode_coverage`` implements the 2-D mixture protocol of PacGAN (Lin et al. 2018):
a sample is *high quality* if it lies within ``sigmas`` standard deviations of its
nearest centre; a mode is *covered* if it is the nearest centre of at least one
high-quality sample; the *reverse KL* compares the histogram of high-quality samples
over the centres with the uniform distribution over all centres.

For images: ``frechet_distance`` is the Frechet distance (Heusel et al. 2017) between
Gaussians fitted to two feature sets, ``precision_recall`` estimates the k-NN manifold
precision and recall of Kynkaanniemi et al. (2019) on features, ``class_histogram_stats``
summarises how class labels cover the classes, and ``memorisation`` checks in pixel space
whether generated images are near copies of training images.  The features and labels
come from a judge, such as the digits classifier of ``gan_lib.judge``; this module only
computes on arrays and imports nothing from gan_lib but its argument checks.
"""

from __future__ import annotations

import numpy as np

from gan_lib._checks import finite_matrix, flag, positive_float, positive_int, real_array


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


def mode_coverage(
    samples: np.ndarray, centers: np.ndarray, std: float, *, sigmas: float = 3.0, allow_non_finite: bool = False
) -> dict[str, float]:
    """Mode coverage, high-quality fraction and reverse KL of samples from a Gaussian mixture.

    Args:
        samples: (n, dim) generated points.
        centers: (modes, dim) centres of the true mixture, whose modes have equal weight.
        std: the standard deviation of each true mode, > 0.
        sigmas: a sample within ``sigmas * std`` of its nearest centre is high quality.
        allow_non_finite: if True, a sample with a NaN or infinite coordinate (from a diverged
            generator) counts as not high quality; if False (the default) it is refused.

    Returns:
        A dict with ``modes`` (int: centres that are the nearest centre of at least one
        high-quality sample), ``high_quality`` (fraction of all samples that are high
        quality) and ``reverse_kl`` (KL(p || uniform) in nats, p the histogram of
        high-quality samples over the centres, with 0 log 0 = 0; ``inf`` when no
        sample is high quality, since p is then undefined).
    """
    std = positive_float(std, "std")
    sigmas = positive_float(sigmas, "sigmas")
    finite = True
    if flag(allow_non_finite, "allow_non_finite"):
        samples = real_array(samples, "samples")
        if samples.ndim == 2:  # nearest_center names any other shape
            finite = np.all(np.isfinite(samples), axis=1, keepdims=True)
            samples = np.where(finite, samples, 0.0)  # a placeholder point, never counted below
    index, distance = nearest_center(samples, centers)
    n_modes = len(np.asarray(centers))
    good = (distance <= sigmas * std) & np.ravel(finite)
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


def class_histogram_stats(labels: np.ndarray, n_classes: int = 10) -> dict[str, float]:
    """How a set of class labels covers ``n_classes`` classes.

    Returns ``classes`` (int: classes that occur at least once), ``kl_uniform``
    (KL(p || uniform) of the label histogram p, in nats, 0 log 0 = 0: 0 when every
    class is equally frequent, log(n_classes) when one class takes everything) and
    ``histogram`` (the fraction of labels in each class, a list).
    """
    n_classes = positive_int(n_classes, "n_classes")
    labels = real_array(labels, "labels", dtype=None)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 1-D integer array, got shape {labels.shape} {labels.dtype}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    p = np.bincount(labels, minlength=n_classes) / labels.size
    nonzero = p > 0
    return {
        "classes": int(np.count_nonzero(p)),
        "kl_uniform": float(np.sum(p[nonzero] * np.log(p[nonzero] * n_classes))),
        "histogram": p.tolist(),
    }


# --- The Frechet distance and k-NN distances on feature vectors.


def _mean_and_covariance(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Frechet (2-Wasserstein) distance between Gaussians fitted to two feature sets.

    With means m_a, m_b and covariances C_a, C_b (unbiased, as ``np.cov``):
    ``|m_a - m_b|^2 + tr(C_a) + tr(C_b) - 2 tr((C_a^(1/2) C_b C_a^(1/2))^(1/2))``.
    The last trace equals tr((C_a C_b)^(1/2)); it is computed from the eigenvalues of the
    symmetric matrix C_a^(1/2) C_b C_a^(1/2), which stays stable for singular covariances
    (fewer samples than dimensions) where a general matrix square root can turn complex.
    This is the formula of FID (Heusel et al. 2017), here on any features.

    Args:
        features_a, features_b: (n_a, dim) and (n_b, dim) arrays, n_a, n_b >= 2.

    Returns:
        The squared distance (FID is quoted squared, as here), >= 0.
    """
    features_a = finite_matrix(features_a, "features_a")
    features_b = finite_matrix(features_b, "features_b")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(
            f"features_a and features_b must have the same dimension, got {features_a.shape[1]} and "
            f"{features_b.shape[1]}"
        )
    for name, features in (("features_a", features_a), ("features_b", features_b)):
        if len(features) < 2:
            raise ValueError(f"{name} needs at least 2 rows to estimate a covariance, got {len(features)}")
    mean_a, cov_a = _mean_and_covariance(features_a)
    mean_b, cov_b = _mean_and_covariance(features_b)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    inner = root_a @ cov_b @ root_a
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2.0)  # symmetrised against rounding
    trace_root = float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))
    distance = float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root)
    return max(distance, 0.0)  # rounding can leave a tiny negative number for identical sets


def _kth_nearest(queries: np.ndarray, references: np.ndarray, k: int, *, skip_self: bool = False) -> np.ndarray:
    """Euclidean distance from each query row to its k-th nearest reference row (k = 1: the nearest).

    ``skip_self`` leaves out the zero distance of a row to itself, for queries that are
    the references.  Works in chunks, so 60,000 MNIST references fit in memory.
    """
    queries = queries.astype(np.float32)
    references = references.astype(np.float32)
    reference_norms = np.sum(references**2, axis=1)
    rank = k if skip_self else k - 1
    out = np.empty(len(queries), dtype=np.float64)
    chunk = max(1, 2**24 // max(len(references), 1))
    for start in range(0, len(queries), chunk):
        block = queries[start : start + chunk]
        squared = np.sum(block**2, axis=1, keepdims=True) - 2.0 * block @ references.T + reference_norms[None, :]
        squared = np.maximum(squared, 0.0)
        if skip_self:
            squared[np.arange(len(block)), np.arange(start, start + len(block))] = -1.0  # sorts first
        out[start : start + len(block)] = np.sqrt(np.partition(squared, rank, axis=1)[:, rank])
    return out


def precision_recall(real_features: np.ndarray, fake_features: np.ndarray, *, k: int = 3) -> dict[str, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) from k-NN manifolds.

    The real manifold is the union of balls around every real feature vector, each with
    radius the distance to its k-th nearest other real vector; likewise for the fakes.
    ``precision`` is the fraction of fakes inside the real manifold (how many generated
    samples look real); ``recall`` the fraction of reals inside the fake manifold (how much
    of the real data the generator covers).  Mode collapse lowers recall, not precision.
    """
    real = finite_matrix(real_features, "real_features")
    fake = finite_matrix(fake_features, "fake_features")
    k = positive_int(k, "k")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real_features and fake_features must have the same dimension, got {real.shape[1]} and {fake.shape[1]}"
        )
    for name, features in (("real_features", real), ("fake_features", fake)):
        if len(features) <= k:
            raise ValueError(f"{name} needs more than k={k} rows, got {len(features)}")

    def inside(points: np.ndarray, centres: np.ndarray) -> float:
        limit = _kth_nearest(centres, centres, k, skip_self=True) ** 2 + 1e-9  # squared radii, rounding slack
        centre_norms = np.sum(centres**2, axis=1)
        hits = np.empty(len(points), dtype=bool)
        chunk = max(1, 2**24 // len(centres))  # bounded memory for large sets
        for start in range(0, len(points), chunk):
            block = points[start : start + chunk]
            squared = np.sum(block**2, axis=1, keepdims=True) - 2.0 * block @ centres.T + centre_norms[None, :]
            hits[start : start + len(block)] = np.any(squared <= limit[None, :], axis=1)
        return float(np.mean(hits))

    return {"precision": inside(fake, real), "recall": inside(real, fake)}


def memorisation(
    fake_images: np.ndarray, train_images: np.ndarray, test_images: np.ndarray, *, quantile: float = 0.05
) -> dict[str, float | bool]:
    """Are generated images near copies of training images? A nearest-neighbour check in pixel space.

    Held-out test images are fresh draws from the data distribution that the model never
    saw: their distances to the nearest training image show how close a *new* image
    usually comes to the training set.  Let t be the ``quantile`` of those test-to-train
    distances.  A generator that makes new images should have about a ``quantile``
    fraction of its samples closer than t to some training image; a generator that
    replays training images has many more (a copy has distance 0).

    Decision rule: ``memorised`` is True when the fraction of generated images closer
    than t exceeds ``quantile`` by more than 3 binomial standard deviations,
    ``quantile + 3 sqrt(quantile (1 - quantile) / n_fake)``.  This catches copying, not
    blurry or collapsed samples, which lie far from everything (their median ratio is > 1).

    Returns:
        ``fake_median`` and ``test_median`` (median nearest-training-image distance of the
        generated and of the test images), ``median_ratio`` (fake / test), ``threshold`` (t),
        ``close_fraction`` (generated images closer than t), ``expected_fraction``
        (``quantile``), ``memorised`` (bool).
    """
    quantile = positive_float(quantile, "quantile")
    if not quantile < 0.5:
        raise ValueError(f"quantile must lie in (0, 0.5), got {quantile!r}")
    arrays = {}
    for name, images in (("fake_images", fake_images), ("train_images", train_images), ("test_images", test_images)):
        images = real_array(images, name, np.float32)
        if images.ndim < 2 or len(images) == 0:
            raise ValueError(f"{name} must be a non-empty batch of images, got shape {images.shape}")
        arrays[name] = finite_matrix(images.reshape(len(images), -1), name)
    sizes = {array.shape[1] for array in arrays.values()}
    if len(sizes) != 1:
        raise ValueError("fake_images, train_images and test_images must have images of the same size")
    fake_distance = _kth_nearest(arrays["fake_images"], arrays["train_images"], 1)
    test_distance = _kth_nearest(arrays["test_images"], arrays["train_images"], 1)
    threshold = float(np.quantile(test_distance, quantile))
    close = float(np.mean(fake_distance < threshold))
    test_median = float(np.median(test_distance))
    allowed = quantile + 3.0 * np.sqrt(quantile * (1.0 - quantile) / len(fake_distance))
    return {
        "fake_median": float(np.median(fake_distance)),
        "test_median": test_median,
        "median_ratio": float(np.median(fake_distance)) / test_median if test_median > 0 else float("inf"),
        "threshold": threshold,
        "close_fraction": close,
        "expected_fraction": quantile,
        "memorised": bool(close > allowed),
    }
