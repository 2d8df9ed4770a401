"""Sample-quality metrics.

``mode_coverage`` implements the 2-D mixture protocol of PacGAN (Lin et al. 2018):
a sample is *high quality* if it lies within ``sigmas`` standard deviations of its
nearest centre; a mode is *covered* if it is the nearest centre of at least one
high-quality sample; the *reverse KL* compares the histogram of high-quality samples
over the centres with the uniform distribution over all centres.

For images (sklearn's 8x8 digits) the module trains, once, a small classifier and uses it
as the judge: ``classifier_fid`` is the Frechet distance (Heusel et al. 2017) between its
penultimate-layer features of real and generated images, ``class_coverage`` counts the
classes it sees among generated images, ``precision_recall`` estimates the k-NN manifold
precision and recall of Kynkaanniemi et al. (2019) on those features, and
``memorisation`` checks in pixel space whether generated images are near copies of
training images.  The FID of the literature uses Inception features of large natural
images; these numbers are comparable only with each other, on these digits.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from gan_lib._checks import finite_matrix, flag, positive_float, positive_int, real_array
from gan_lib._checks import seed as check_seed


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


# --- A small classifier of sklearn's 8x8 digits: the judge for the image metrics.

CLASSIFIER_SETTINGS = {"filters": 32, "width": 64, "epochs": 15, "batch_size": 64, "learning_rate": 3e-3, "seed": 0}


def default_cache_dir() -> str:
    """Where trained helpers are kept: ``$GAN_LIB_CACHE``, else ``$XDG_CACHE_HOME/gan_lib``
    (default ``~/.cache/gan_lib``)."""
    if os.environ.get("GAN_LIB_CACHE"):
        return os.environ["GAN_LIB_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gan_lib")


def _digit_images(images: object, name: str) -> np.ndarray:
    """``images`` as a float32 (n, 8, 8, 1) array in [-1, 1], or ValueError naming ``name``."""
    array = real_array(images, name, np.float32)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or array.shape[1:] != (8, 8, 1) or len(array) == 0:
        raise ValueError(f"{name} must be 8x8 digit images of shape (n, 8, 8, 1), got {np.shape(images)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or Inf")
    # The classifier saw pixels in [-1, 1] (gan_lib.data.digits); other scales would make its features meaningless.
    if array.min() < -1.001 or array.max() > 1.001:
        raise ValueError(f"{name} must have pixels in [-1, 1], got {array.min():.3g}..{array.max():.3g}")
    return array


@dataclass
class DigitsClassifier:
    """A trained digits classifier: ``model`` maps images to 10 logits, ``features_model`` to its
    penultimate layer; ``test_accuracy`` is measured on ``gan_lib.data.digits("test")``."""

    model: object
    features_model: object
    test_accuracy: float
    path: str

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted class (0..9) of each image."""
        images = _digit_images(images, "images")
        logits = self.model.predict(images, batch_size=512, verbose=0)
        return np.argmax(logits, axis=1).astype(np.int64)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Penultimate-layer features of each image, (n, width) float64."""
        images = _digit_images(images, "images")
        features = self.features_model.predict(images, batch_size=512, verbose=0)
        return features.astype(np.float64)


def _build_classifier(settings: dict) -> object:
    import keras

    seed = settings["seed"]

    def init(offset: int):  # one seeded initializer per layer: the same weights on every machine and run
        return keras.initializers.GlorotUniform(seed=seed + offset)

    # dtype float32 on every layer: the judge must not change when a chapter turns on mixed precision.
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(
                settings["filters"], 3, padding="same", activation="relu", kernel_initializer=init(1), dtype="float32"
            ),
            keras.layers.Conv2D(
                2 * settings["filters"],
                3,
                strides=2,
                padding="same",
                activation="relu",
                kernel_initializer=init(2),
                dtype="float32",
            ),
            keras.layers.Flatten(dtype="float32"),
            keras.layers.Dense(
                settings["width"], activation="relu", kernel_initializer=init(3), name="features", dtype="float32"
            ),
            keras.layers.Dense(10, kernel_initializer=init(4), name="logits", dtype="float32"),
        ],
        name="digits_classifier",
    )


def _train_classifier(settings: dict) -> object:
    import keras

    from gan_lib import data

    images, labels = data.digits("train")
    model = _build_classifier(settings)
    model.compile(
        optimizer=keras.optimizers.Adam(settings["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    # Our own seeded shuffle (and shuffle=False) so training does not depend on global seeds.
    # One fit over all epochs' permutations laid end to end: no per-epoch start-up cost.
    rng = np.random.default_rng(settings["seed"])
    order = np.concatenate([rng.permutation(len(labels)) for _ in range(settings["epochs"])])
    model.fit(images[order], labels[order], batch_size=settings["batch_size"], epochs=1, shuffle=False, verbose=0)
    return model


def _settings(overrides: dict) -> dict:
    unknown = set(overrides) - set(CLASSIFIER_SETTINGS)
    if unknown:
        raise ValueError(f"unknown classifier settings {sorted(unknown)}; known: {sorted(CLASSIFIER_SETTINGS)}")
    for name, value in overrides.items():
        if name == "learning_rate":
            positive_float(value, name)
        elif name == "seed":
            check_seed(value, name)
        else:
            positive_int(value, name)
    return {**CLASSIFIER_SETTINGS, **overrides}


def classifier_cache_path(cache_dir: str | None = None, **overrides) -> str:
    """The file that ``digits_classifier(cache_dir=..., **overrides)`` saves to and loads from.

    Its name holds a hash of the settings (``CLASSIFIER_SETTINGS`` updated with
    ``overrides``), the gan_lib version and the Keras version, so a change of any of them
    means a new file and a new training.
    """
    import keras

    import gan_lib

    settings = _settings(overrides)
    if cache_dir is not None and (not isinstance(cache_dir, (str, os.PathLike)) or str(cache_dir) == ""):
        raise ValueError(f"cache_dir must be None or a folder path, got {cache_dir!r}")
    key_text = json.dumps({**settings, "gan_lib": gan_lib.__version__, "keras": keras.__version__}, sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    return os.path.join(cache_dir or default_cache_dir(), f"digits_classifier-{key}.keras")


_LOADED: dict[str, DigitsClassifier] = {}


def digits_classifier(*, cache_dir: str | None = None, retrain: bool = False, **overrides) -> DigitsClassifier:
    """The digits classifier, trained on ``gan_lib.data.digits("train")`` on first use and cached on disk.

    Training is seeded (initialisers and shuffling), takes a few seconds on a CPU and
    reaches about 99% accuracy on the test split.  Later calls load the saved model
    (``classifier_cache_path``), and calls in the same process reuse the loaded one.

    Args:
        cache_dir: folder for the saved model; default ``default_cache_dir()``.  When it
            cannot be created, a folder under the system's temporary directory is used.
        retrain: train again even when a cached model exists.
        **overrides: settings to change (keys of ``CLASSIFIER_SETTINGS``).
    """
    import keras

    from gan_lib import data

    settings = _settings(overrides)
    retrain = flag(retrain, "retrain")
    path = classifier_cache_path(cache_dir, **overrides)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError:  # a read-only home: keep the model for this machine's session only
        path = os.path.join(tempfile.gettempdir(), "gan_lib", os.path.basename(path))
        os.makedirs(os.path.dirname(path), exist_ok=True)
    if not retrain and path in _LOADED:
        return _LOADED[path]
    if retrain or not os.path.isfile(path):
        model = _train_classifier(settings)
        partial = f"{path}.{os.getpid()}.keras"
        model.save(partial)
        os.replace(partial, path)  # atomic: a concurrent reader never sees half a file
    else:
        model = keras.models.load_model(path, compile=False)
    features_model = keras.Model(model.inputs, model.get_layer("features").output)
    test_images, test_labels = data.digits("test")
    predicted = np.argmax(model.predict(test_images, batch_size=512, verbose=0), axis=1)
    classifier = DigitsClassifier(model, features_model, float(np.mean(predicted == test_labels)), path)
    _LOADED[path] = classifier
    return classifier


def classifier_fid(
    real_images: np.ndarray, fake_images: np.ndarray, *, classifier: DigitsClassifier | None = None
) -> float:
    """Frechet distance between the digits classifier's features of real and of generated 8x8 images.

    The same recipe as FID (Heusel et al. 2017) with a small digits classifier in place of
    Inception.  The floor is not 0: two finite samples of the same distribution differ,
    so compare a generator's score with the real-vs-real score at the same sample sizes.
    """
    real_images = _digit_images(real_images, "real_images")
    fake_images = _digit_images(fake_images, "fake_images")
    for name, images in (("real_images", real_images), ("fake_images", fake_images)):
        if len(images) < 2:
            raise ValueError(f"{name} needs at least 2 images to estimate a covariance, got {len(images)}")
    classifier = _classifier(classifier)
    return frechet_distance(classifier.features(real_images), classifier.features(fake_images))


def class_coverage(fake_images: np.ndarray, *, classifier: DigitsClassifier | None = None) -> dict[str, float]:
    """Which digits the generator makes, as the digits classifier sees them.

    Returns ``class_histogram_stats`` of the predicted classes: ``classes`` (how many of
    the 10 digits occur at least once), ``kl_uniform`` (nats; 0 for equal shares, log 10
    for a single digit) and ``histogram``.
    """
    fake_images = _digit_images(fake_images, "fake_images")
    return class_histogram_stats(_classifier(classifier).predict(fake_images), 10)


def _classifier(classifier: object) -> DigitsClassifier:
    """``classifier``, or the cached digits classifier when it is None."""
    if classifier is None:
        return digits_classifier()
    if not isinstance(classifier, DigitsClassifier):
        raise ValueError(f"classifier must be None or a DigitsClassifier, got {type(classifier).__name__}")
    return classifier
