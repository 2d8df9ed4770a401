"""The judges for the image metrics: small classifiers of sklearn's 8x8 digits and of 28x28
Fashion-MNIST.

``digits_classifier`` and ``fashion_classifier`` train one once (seeded) on their dataset's
train split and cache it on disk (``classifier_cache_path``, under ``default_cache_dir()``).
``classifier_fid`` is the Frechet distance (Heusel et al. 2017,
``gan_lib.metrics.frechet_distance``) between a judge's penultimate-layer features of real and
generated images, and ``class_coverage`` counts the classes it sees among generated images
(``gan_lib.metrics.class_histogram_stats``); its ``features`` also feed
``gan_lib.metrics.precision_recall``.  Both pick the judge from the images' size when none is
given.  The FID of the literature uses Inception features of large natural images; these
numbers are comparable only with each other, on the same dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from gan_lib import data
from gan_lib._checks import flag, positive_float, positive_int, real_array
from gan_lib._checks import seed as check_seed
from gan_lib._version import __version__
from gan_lib.metrics import class_histogram_stats, frechet_distance

CLASSIFIER_SETTINGS = {"filters": 32, "width": 64, "epochs": 15, "batch_size": 64, "learning_rate": 3e-3, "seed": 0}
# Fashion-MNIST has 60,000 training images (the digits ~1,400) at 12x the pixels: both
# convolutions stride 2, and six passes suffice: 91.3% test accuracy in about 2-3 minutes on a
# 2-core CPU, against 90.5% for 32 filters and 4 passes (tests/test_judge.py holds it to >= 90%).
FASHION_SETTINGS = {
    "filters": 48,
    "width": 128,
    "epochs": 6,
    "batch_size": 128,
    "learning_rate": 1e-3,
    "seed": 0,
    "first_stride": 2,
}


@dataclass(frozen=True)
class _Kind:
    """A dataset a judge is trained on: its loader, image shape, default settings and file prefix."""

    load: Callable[[str], tuple[np.ndarray, np.ndarray]]
    shape: tuple[int, int, int]
    settings: dict
    prefix: str


_KINDS = {
    "digits": _Kind(data.digits, (8, 8, 1), CLASSIFIER_SETTINGS, "digits_classifier"),
    "fashion_mnist": _Kind(data.fashion_mnist, (28, 28, 1), FASHION_SETTINGS, "fashion_classifier"),
}


def default_cache_dir() -> str:
    """Where trained helpers are kept: ``$GAN_LIB_CACHE``, else ``$XDG_CACHE_HOME/gan_lib``
    (default ``~/.cache/gan_lib``)."""
    if os.environ.get("GAN_LIB_CACHE"):
        return os.environ["GAN_LIB_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gan_lib")


def _images(images: object, name: str, shape: tuple[int, int, int] | None = None) -> np.ndarray:
    """``images`` as a float32 (n, h, w, 1) array in [-1, 1] of one judge's ``shape`` (default:
    either judge's), or ValueError naming ``name``."""
    array = real_array(images, name, np.float32)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    shapes = [shape] if shape is not None else [kind.shape for kind in _KINDS.values()]
    if array.ndim != 4 or array.shape[1:] not in shapes or len(array) == 0:
        wanted = " or ".join(f"(n, {h}, {w}, {c})" for h, w, c in shapes)
        raise ValueError(f"{name} must be images of shape {wanted}, got {np.shape(images)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or Inf")
    # The judges saw pixels in [-1, 1] (gan_lib.data); other scales would make their features meaningless.
    if array.min() < -1.001 or array.max() > 1.001:
        raise ValueError(f"{name} must have pixels in [-1, 1], got {array.min():.3g}..{array.max():.3g}")
    return array


@dataclass
class ImageClassifier:
    """A trained judge: ``model`` maps images to 10 logits, ``features_model`` to its penultimate
    layer; ``test_accuracy`` is measured on the test split of its dataset, ``kind`` ("digits" or
    "fashion_mnist")."""

    model: object
    features_model: object
    test_accuracy: float
    path: str
    kind: str = "digits"

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return _KINDS[self.kind].shape

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted class (0..9) of each image."""
        images = _images(images, "images", self.image_shape)
        logits = self.model.predict(images, batch_size=512, verbose=0)
        return np.argmax(logits, axis=1).astype(np.int64)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Penultimate-layer features of each image, (n, width) float64."""
        images = _images(images, "images", self.image_shape)
        features = self.features_model.predict(images, batch_size=512, verbose=0)
        return features.astype(np.float64)


def _build_classifier(settings: dict, shape: tuple[int, int, int] = (8, 8, 1)) -> object:
    seed = settings["seed"]

    def init(offset: int):  # one seeded initializer per layer: the same weights on every machine and run
        return keras.initializers.GlorotUniform(seed=seed + offset)

    # dtype float32 on every layer: the judge must not change when a chapter turns on mixed precision.
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            keras.layers.Conv2D(
                settings["filters"],
                3,
                strides=settings.get("first_stride", 1),
                padding="same",
                activation="relu",
                kernel_initializer=init(1),
                dtype="float32",
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
        name="classifier",
    )


def _train_classifier(settings: dict, kind: str = "digits") -> object:
    images, labels = _KINDS[kind].load("train")
    model = _build_classifier(settings, _KINDS[kind].shape)
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


def _settings(overrides: dict, kind: str = "digits") -> dict:
    defaults = _KINDS[kind].settings
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ValueError(f"unknown classifier settings {sorted(unknown)}; known: {sorted(defaults)}")
    for name, value in overrides.items():
        if name == "learning_rate":
            positive_float(value, name)
        elif name == "seed":
            check_seed(value, name)
        else:
            positive_int(value, name)
    return {**defaults, **overrides}


def classifier_cache_path(cache_dir: str | None = None, *, kind: str = "digits", **overrides) -> str:
    """The file that ``digits_classifier(cache_dir=..., **overrides)`` (``kind`` "digits") or
    ``fashion_classifier`` (``kind`` "fashion_mnist") saves to and loads from.

    Its name holds a hash of the settings (``CLASSIFIER_SETTINGS`` or ``FASHION_SETTINGS``
    updated with ``overrides``), the gan_lib version and the Keras version, so a change of any
    of them means a new file and a new training.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}, got {kind!r}")
    settings = _settings(overrides, kind)
    if cache_dir is not None and (not isinstance(cache_dir, (str, os.PathLike)) or str(cache_dir) == ""):
        raise ValueError(f"cache_dir must be None or a folder path, got {cache_dir!r}")
    key_text = json.dumps({**settings, "gan_lib": __version__, "keras": keras.__version__}, sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    return os.path.join(cache_dir or default_cache_dir(), f"{_KINDS[kind].prefix}-{key}.keras")


_LOADED: dict[str, ImageClassifier] = {}


def digits_classifier(*, cache_dir: str | None = None, retrain: bool = False, **overrides) -> ImageClassifier:
    """The digits judge, trained on ``gan_lib.data.digits("train")`` on first use and cached on disk.

    Training is seeded (initialisers and shuffling), takes a few seconds on a CPU and
    reaches about 99% accuracy on the test split.  Later calls load the saved model
    (``classifier_cache_path``), and calls in the same process reuse the loaded one.

    Args:
        cache_dir: folder for the saved model; default ``default_cache_dir()``.  When it
            cannot be created, a folder under the system's temporary directory is used.
        retrain: train again even when a cached model exists.
        **overrides: settings to change (keys of ``CLASSIFIER_SETTINGS``).
    """
    return _trained("digits", cache_dir, retrain, overrides)


def fashion_classifier(*, cache_dir: str | None = None, retrain: bool = False, **overrides) -> ImageClassifier:
    """The Fashion-MNIST judge, trained on ``gan_lib.data.fashion_mnist("train")`` on first use
    and cached on disk, as ``digits_classifier`` (settings: ``FASHION_SETTINGS``).

    Training takes a few minutes on a 2-core CPU; its accuracy on the 10,000 test images is in
    ``test_accuracy``.  Needs the Fashion-MNIST files (see ``gan_lib.data.fashion_mnist``).
    """
    return _trained("fashion_mnist", cache_dir, retrain, overrides)


def _trained(kind: str, cache_dir: str | None, retrain: bool, overrides: dict) -> ImageClassifier:
    settings = _settings(overrides, kind)
    retrain = flag(retrain, "retrain")
    path = classifier_cache_path(cache_dir, kind=kind, **overrides)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError:  # a read-only home: keep the model for this machine's session only
        path = os.path.join(tempfile.gettempdir(), "gan_lib", os.path.basename(path))
        os.makedirs(os.path.dirname(path), exist_ok=True)
    if not retrain and path in _LOADED:
        return _LOADED[path]
    if retrain or not os.path.isfile(path):
        model = _train_classifier(settings, kind)
        partial = f"{path}.{os.getpid()}.keras"
        model.save(partial)
        os.replace(partial, path)  # atomic: a concurrent reader never sees half a file
    else:
        model = keras.models.load_model(path, compile=False)
    features_model = keras.Model(model.inputs, model.get_layer("features").output)
    test_images, test_labels = _KINDS[kind].load("test")
    predicted = np.argmax(model.predict(test_images, batch_size=512, verbose=0), axis=1)
    classifier = ImageClassifier(model, features_model, float(np.mean(predicted == test_labels)), path, kind)
    _LOADED[path] = classifier
    return classifier


def classifier_fid(
    real_images: np.ndarray, fake_images: np.ndarray, *, classifier: ImageClassifier | None = None
) -> float:
    """Frechet distance between a judge's features of real and of generated images.

    The same recipe as FID (Heusel et al. 2017) with a small classifier in place of
    Inception; without ``classifier``, the judge of the images' size (8x8: digits, 28x28:
    Fashion-MNIST).  The floor is not 0: two finite samples of the same distribution differ,
    so compare a generator's score with the real-vs-real score at the same sample sizes.
    """
    real_images = _images(real_images, "real_images")
    fake_images = _images(fake_images, "fake_images")
    if real_images.shape[1:] != fake_images.shape[1:]:
        raise ValueError(
            f"real_images and fake_images differ in size: {real_images.shape[1:]} vs {fake_images.shape[1:]}"
        )
    for name, images in (("real_images", real_images), ("fake_images", fake_images)):
        if len(images) < 2:
            raise ValueError(f"{name} needs at least 2 images to estimate a covariance, got {len(images)}")
    classifier = _classifier(classifier, real_images.shape[1:], "real_images and fake_images")
    return frechet_distance(classifier.features(real_images), classifier.features(fake_images))


def class_coverage(fake_images: np.ndarray, *, classifier: ImageClassifier | None = None) -> dict[str, float]:
    """Which classes the generator makes, as a judge sees them (default: the judge of the images' size).

    Returns ``class_histogram_stats`` of the predicted classes: ``classes`` (how many of
    the 10 classes occur at least once), ``kl_uniform`` (nats; 0 for equal shares, log 10
    for a single class) and ``histogram``.
    """
    fake_images = _images(fake_images, "fake_images")
    return class_histogram_stats(_classifier(classifier, fake_images.shape[1:], "fake_images").predict(fake_images), 10)


def _classifier(classifier: object, shape: tuple[int, ...], name: str = "images") -> ImageClassifier:
    """``classifier``, or the cached judge for images of ``shape`` when it is None; ``name`` is
    what the error calls the images that do not fit the judge."""
    if classifier is None:
        return fashion_classifier() if tuple(shape) == _KINDS["fashion_mnist"].shape else digits_classifier()
    if not isinstance(classifier, ImageClassifier):
        raise ValueError(f"classifier must be None or an ImageClassifier, got {type(classifier).__name__}")
    if tuple(shape) != classifier.image_shape:
        raise ValueError(
            f"{name} must be of shape (n, {', '.join(map(str, classifier.image_shape))}) for the {classifier.kind} "
            f"judge, got (n, {', '.join(map(str, shape))})"
        )
    return classifier
