"""Data for the book: toy 2-D Gaussian mixtures, sklearn's bundled digits, MNIST, tf.data helpers.

The mixtures follow the PacGAN benchmark (Lin et al. 2018): a ring of 8 modes on the
unit circle with std 0.01, and a 5x5 grid with spacing 2 and std 0.05.  Every mode has
the same weight.  Everything here works offline except ``mnist`` and ``fashion_mnist``,
which download once through ``keras.datasets`` and then read Keras' cache; offline and
without that cache they fail within seconds and point to ``digits``.
"""

from __future__ import annotations

import gzip
import os
import socket
import threading

import numpy as np

from gan_lib._checks import choice, finite_array, finite_matrix, positive_float, positive_int
from gan_lib._checks import seed as check_seed

DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0  # fixed, so "train" and "test" never change between runs


def ring_centers(modes: int = 8, radius: float = 1.0) -> np.ndarray:
    """Centres of ``modes`` points on a circle, at angles 2*pi*k/modes, k = 0..modes-1.

    Returns a float32 array of shape (modes, 2).
    """
    modes = positive_int(modes, "modes")
    radius = positive_float(radius, "radius")
    # endpoint=False: with endpoint=True the last angle repeats the first, giving modes-1 modes.
    angles = np.linspace(0.0, 2.0 * np.pi, modes, endpoint=False)
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def grid_centers(side: int = 5, spacing: float = 2.0) -> np.ndarray:
    """Centres of a ``side`` x ``side`` grid centred on 0 (default {-4,-2,0,2,4}^2).

    Returns a float32 array of shape (side**2, 2).
    """
    side = positive_int(side, "side")
    spacing = positive_float(spacing, "spacing")
    coords = (np.arange(side) - (side - 1) / 2.0) * spacing
    xs, ys = np.meshgrid(coords, coords, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def mixture(n: int, centers: np.ndarray, std: float, *, seed: int | None = None) -> np.ndarray:
    """Draw ``n`` points from an equal-weight isotropic Gaussian mixture.

    Args:
        n: number of samples, > 0.
        centers: (modes, dim) array of component means.
        std: standard deviation of every component, >= 0 (0 gives the centres themselves).
        seed: seed of the numpy generator; None draws a fresh one.

    Returns:
        float32 array of shape (n, dim).
    """
    n = positive_int(n, "n")
    std = positive_float(std, "std", allow_zero=True)
    centers = finite_matrix(centers, "centers")
    rng = np.random.default_rng(check_seed(seed))
    component = rng.integers(0, centers.shape[0], size=n)
    noise = rng.normal(0.0, 1.0, size=(n, centers.shape[1]))
    return (centers[component] + std * noise).astype(np.float32)


def ring(n: int, *, modes: int = 8, radius: float = 1.0, std: float = 0.01, seed: int | None = None) -> np.ndarray:
    """``n`` samples of the ring: ``modes`` equal-weight Gaussians on a circle of ``radius``."""
    return mixture(n, ring_centers(modes, radius), std, seed=seed)


def grid(n: int, *, side: int = 5, spacing: float = 2.0, std: float = 0.05, seed: int | None = None) -> np.ndarray:
    """``n`` samples of the grid: ``side``**2 equal-weight Gaussians, ``spacing`` apart."""
    return mixture(n, grid_centers(side, spacing), std, seed=seed)


def digits(split: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """sklearn's bundled 8x8 handwritten digits (1,797 images), needing no network.

    Args:
        split: "train" (80%), "test" (20%) or "all". The split is a fixed permutation.

    Returns:
        (images, labels): float32 images in [-1, 1] of shape (n, 8, 8, 1), int64 labels 0..9.
    """
    choice(split, "split", ("train", "test", "all"))
    from sklearn.datasets import load_digits  # imported here: sklearn is slow to import

    bunch = load_digits()
    # Pixels are integers 0..16; map them linearly onto [-1, 1], the range of a tanh output.
    images = (bunch.images.astype(np.float32) / 8.0 - 1.0)[..., np.newaxis]
    labels = bunch.target.astype(np.int64)
    if split == "all":
        return images, labels
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(DIGITS_TEST_FRACTION * len(labels)))
    chosen = order[n_test:] if split == "train" else order[:n_test]
    chosen = np.sort(chosen)
    return images[chosen], labels[chosen]


def as_dataset(array: np.ndarray, batch_size: int, *, seed: int | None = None, start: int = 0):
    """A shuffled, batched, endlessly repeating ``tf.data.Dataset`` over the rows of ``array``.

    Each pass over the data is a fresh permutation, and every batch is full, so a training
    step always sees ``batch_size`` rows it has not just seen. The order depends on ``seed``
    alone (stateless shuffling; TensorFlow's global seed plays no part), so a resumed run can
    replay the stream exactly with ``dataset.skip(steps_done)``. ``seed=None`` draws a seed
    from numpy's global generator, which ``keras.utils.set_random_seed`` also seeds.

    Every ``fit`` call starts a dataset from its first batch again, so training in several
    ``fit`` calls must continue the stream itself: ``start=k`` gives the stream from batch
    ``k`` on, the same batches as ``.skip(k)`` without computing the ones skipped.
    """
    import tensorflow as tf  # imported here so the numpy-only helpers stay light

    array = finite_array(array, "array", np.float32)
    if array.ndim < 1 or array.shape[0] == 0:
        raise ValueError(f"array must have at least one row, got shape {array.shape}")
    batch_size = positive_int(batch_size, "batch_size")
    start = positive_int(start, "start", allow_zero=True)
    seed = check_seed(seed, upper=2**31)  # the stateless shuffle's seed is a pair of int32
    if batch_size > array.shape[0]:
        raise ValueError(f"batch_size ({batch_size}) must not exceed the number of rows ({array.shape[0]})")
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 -- the generator set_random_seed seeds
    rows = tf.constant(array)
    count = array.shape[0]

    def permutation(epoch: tf.Tensor) -> tf.Tensor:
        return tf.random.experimental.stateless_shuffle(tf.range(count), seed=tf.stack([seed, epoch]))

    # One element per pass (a whole permutation), cut into batches that run on into the next
    # pass. rebatch slices whole tensors; batching single indices cost ~6x more CPU per batch,
    # time taken from training on a 2-core machine.
    # Batch ``start`` begins ``offset`` rows into pass ``first_pass``.
    first_pass, offset = divmod(start * batch_size, count)
    passes = tf.data.Dataset.counter(start=first_pass, dtype=tf.int32).map(permutation)
    if offset:
        # gather copies; a slice would be a view, which rebatch makes TensorFlow log errors about.
        rest_of_pass = passes.take(1).map(lambda indices: tf.gather(indices, tf.range(offset, count)))
        passes = rest_of_pass.concatenate(passes.skip(1))
    indices = passes.rebatch(batch_size, drop_remainder=True)
    batches = indices.map(lambda index: tf.gather(rows, index)).prefetch(2)
    # No autotuning: nothing here has a setting to tune, and its background thread sleeps with a
    # doubling period (10 ms, 20 ms, ...) that an iterator waits out when destroyed, so every
    # fit() on an autotuned pipeline ran on until the next wake-up (measured: 300 steps took
    # 2.56 s instead of 1.3 s). See benchmarks/train_step.py --levers.
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.with_options(options)


# Where keras.datasets downloads MNIST and Fashion-MNIST from, and the files it keeps.
DOWNLOAD_HOST = "storage.googleapis.com"
PROBE_TIMEOUT = 3.0  # seconds; the whole reachability check, DNS included, never takes longer
_MNIST_FILES = ("mnist.npz",)
_FASHION_FILES = (
    "fashion-mnist/train-labels-idx1-ubyte.gz",
    "fashion-mnist/train-images-idx3-ubyte.gz",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz",
    "fashion-mnist/t10k-images-idx3-ubyte.gz",
)


def keras_cache_dirs() -> list[str]:
    """The folders where ``keras.utils.get_file`` keeps downloaded data sets, in the order it tries them:
    ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``), then ``/tmp/.keras/datasets``,
    its fallback when the first is not writable."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [os.path.join(home, "datasets"), os.path.join("/tmp", ".keras", "datasets")]


def _cached(files: tuple[str, ...]) -> list[str] | None:
    """Full paths of ``files`` in the first cache folder that holds all of them, or None."""
    for folder in keras_cache_dirs():
        paths = [os.path.join(folder, name) for name in files]
        if all(os.path.isfile(path) for path in paths):
            return paths
    return None


def reachable(host: str = DOWNLOAD_HOST, port: int = 443, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    The check runs in a daemon thread joined with a timeout, because a socket timeout
    does not bound the DNS lookup, which can hang for much longer on a broken network.
    """
    timeout = positive_float(timeout, "timeout")
    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a host name, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, (int, np.integer)) or not 0 < port < 65536:
        raise ValueError(f"port must be an integer in 1..65535, got {port!r}")
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def available(name: str) -> bool:
    """Whether ``mnist(...)`` or ``fashion_mnist(...)`` (``name`` "mnist" or "fashion_mnist") can
    load now: its files are in Keras' cache, or the download host answers."""
    choice(name, "name", ("mnist", "fashion_mnist"))
    files = _MNIST_FILES if name == "mnist" else _FASHION_FILES
    return _cached(files) is not None or reachable()


def _offline_error(name: str, files: tuple[str, ...]) -> ConnectionError:
    where = " or ".join(os.path.join(folder, files[0].split("/")[0]) for folder in keras_cache_dirs())
    return ConnectionError(
        f"{name} is not in Keras' cache ({where}) and {DOWNLOAD_HOST} cannot be reached within "
        f"{PROBE_TIMEOUT:g} s, so it cannot be downloaded. Offline, use gan_lib.data.digits() "
        "(sklearn's bundled 8x8 digits) instead, or copy the Keras cache from a machine that has it."
    )


def _read_idx(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as file:
        return np.frombuffer(file.read(), np.uint8, offset=offset)


def _load_mnist_like(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    choice(split, "split", ("train", "test", "all"))
    files = _MNIST_FILES if name == "mnist" else _FASHION_FILES
    paths = _cached(files)
    if paths is None:
        if not reachable():
            raise _offline_error(name, files)
        import keras  # imported here: only a download needs it

        loader = keras.datasets.mnist if name == "mnist" else keras.datasets.fashion_mnist
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    elif name == "mnist":
        # The same file keras.datasets.mnist.load_data() reads, read directly so no network is touched.
        with np.load(paths[0], allow_pickle=False) as arrays:
            x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    else:
        # IDX files: 8 header bytes before labels, 16 before images (as keras.datasets reads them).
        y_train, y_test = _read_idx(paths[0], 8), _read_idx(paths[2], 8)
        x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
        x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    if split == "train":
        images, labels = x_train, y_train
    elif split == "test":
        images, labels = x_test, y_test
    else:
        images, labels = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    # Pixels 0..255 map linearly onto [-1, 1], the range of a tanh generator.
    images = (images.astype(np.float32) / 127.5 - 1.0)[..., np.newaxis]
    return images, labels.astype(np.int64)


def mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST handwritten digits (60,000 train, 10,000 test) through ``keras.datasets``.

    Args:
        split: "train", "test" or "all" (train then test).

    Returns:
        (images, labels): float32 images in [-1, 1] of shape (n, 28, 28, 1), int64 labels 0..9.

    Raises:
        ConnectionError: within a few seconds, when the data is neither in Keras' cache nor
            downloadable; the message names ``gan_lib.data.digits()``, which works offline.
    """
    return _load_mnist_like("mnist", split)


def fashion_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (10 kinds of clothing, 28x28 grey), like ``mnist`` in every other respect."""
    return _load_mnist_like("fashion_mnist", split)
