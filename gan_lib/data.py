"""Data for the book: toy 2-D Gaussian mixtures, and the tf.data stream that training reads.

The mixtures follow the PacGAN benchmark (Lin et al. 2018): a ring of 8 modes on the
unit circle with std 0.01, and a 5x5 grid with spacing 2 and std 0.05.  Every mode has
the same weight.  ``Mixture`` is such a mixture as one value (name, centres, std, ``sample``);
``RING`` and ``GRID`` are the two benchmarks, defined once here for the whole library: the
sweep, the playground, the chapters and ``metrics.mode_coverage``'s callers read them.
``as_dataset`` turns any array into a shuffled, batched, endless ``tf.data.Dataset``.

The image data sets (sklearn's digits, MNIST, Fashion-MNIST) live in ``gan_lib.image_data``
and are re-exported here, so ``gl.data.digits()`` and ``gl.data.fashion_mnist()`` work as
before.  Everything here works offline except ``mnist`` and ``fashion_mnist``; this module and
``image_data`` import nothing from gan_lib above ``_checks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from gan_lib._checks import finite_array, finite_matrix, positive_float, positive_int
from gan_lib._checks import seed as check_seed

# The image data sets, re-exported: chapters, scripts and the judges call them as data.<name>.
from gan_lib.image_data import (  # noqa: F401 - re-exported
    DEBIAN_FASHION_MNIST_DIR,
    DIGITS_SPLIT_SEED,
    DIGITS_TEST_FRACTION,
    DOWNLOAD_HOST,
    FASHION_MNIST_DIR_VARIABLE,
    FASHION_MNIST_PACKAGE,
    PROBE_TIMEOUT,
    available,
    digits,
    fashion_mnist,
    fashion_mnist_dir,
    keras_cache_dirs,
    mnist,
    reachable,
)

# The shapes of PacGAN's two benchmarks, written down only here: RING and GRID below, and the
# defaults of ring_centers, grid_centers, ring and grid, are made from them.
_RING_SHAPE = {"modes": 8, "radius": 1.0, "std": 0.01}
_GRID_SHAPE = {"side": 5, "spacing": 2.0, "std": 0.05}


def ring_centers(modes: int = _RING_SHAPE["modes"], radius: float = _RING_SHAPE["radius"]) -> np.ndarray:
    """Centres of ``modes`` points on a circle, at angles 2*pi*k/modes, k = 0..modes-1.

    Returns a float32 array of shape (modes, 2).
    """
    modes = positive_int(modes, "modes")
    radius = positive_float(radius, "radius")
    # endpoint=False: with endpoint=True the last angle repeats the first, giving modes-1 modes.
    angles = np.linspace(0.0, 2.0 * np.pi, modes, endpoint=False)
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def grid_centers(side: int = _GRID_SHAPE["side"], spacing: float = _GRID_SHAPE["spacing"]) -> np.ndarray:
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


@dataclass(frozen=True, eq=False)
class Mixture:
    """An equal-weight isotropic Gaussian mixture, as one value.

    Args:
        name: what it is called (the sweep's and the playground's dataset names are these).
        centers: (modes, dim) component means; kept as a read-only float32 array.
        std: standard deviation of every component, >= 0.

    ``sample(n, seed=s)`` draws exactly what ``mixture(n, centers, std, seed=s)`` draws, so
    ``RING.sample(n, seed=s)`` equals ``ring(n, seed=s)`` bit for bit.  Scoring samples against
    it: ``metrics.mode_coverage(samples, m.centers, m.std)``.
    """

    name: str
    centers: np.ndarray
    std: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        centers = finite_matrix(self.centers, "centers").astype(np.float32)
        centers.flags.writeable = False  # shared by every user of the mixture
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "std", positive_float(self.std, "std", allow_zero=True))

    @property
    def modes(self) -> int:
        """The number of components."""
        return self.centers.shape[0]

    def sample(self, n: int, *, seed: int | None = None) -> np.ndarray:
        """``n`` points, float32 of shape (n, dim); ``seed`` seeds numpy's generator (None: a fresh one)."""
        return mixture(n, self.centers, self.std, seed=seed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mixture):
            return NotImplemented
        return self.name == other.name and self.std == other.std and np.array_equal(self.centers, other.centers)

    def __hash__(self) -> int:
        return hash((self.name, self.std, self.centers.shape, self.centers.tobytes()))


# PacGAN's benchmarks: the ring (8 modes on the unit circle, std 0.01) and the grid (5 x 5 modes
# at {-4, -2, 0, 2, 4}^2, std 0.05).
RING = Mixture("ring", ring_centers(), _RING_SHAPE["std"])
GRID = Mixture("grid", grid_centers(), _GRID_SHAPE["std"])


def ring(
    n: int,
    *,
    modes: int = _RING_SHAPE["modes"],
    radius: float = _RING_SHAPE["radius"],
    std: float = _RING_SHAPE["std"],
    seed: int | None = None,
) -> np.ndarray:
    """``n`` samples of the ring: ``modes`` equal-weight Gaussians on a circle of ``radius``.
    The defaults give ``RING``."""
    return mixture(n, ring_centers(modes, radius), std, seed=seed)


def grid(
    n: int,
    *,
    side: int = _GRID_SHAPE["side"],
    spacing: float = _GRID_SHAPE["spacing"],
    std: float = _GRID_SHAPE["std"],
    seed: int | None = None,
) -> np.ndarray:
    """``n`` samples of the grid: ``side``**2 equal-weight Gaussians, ``spacing`` apart.
    The defaults give ``GRID``."""
    return mixture(n, grid_centers(side, spacing), std, seed=seed)


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
