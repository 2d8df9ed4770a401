"""Training in chunks: a run that pauses every few steps to be measured, without changing the run.

``fit_in_chunks`` trains a GAN for a number of steps in ``fit`` calls of ``every`` steps and
calls back after each, reading one continuous, seeded stream of batches, so that how often a
run is measured does not change what it learns.  ``sweep.train`` (2-D points) and
``image_runs.train_images`` (images) train through it.  ``required_seed`` is the check both use:
a run's seed must be given, since runs are compared and stored.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gan_lib import data
from gan_lib._checks import seed as check_seed
from gan_lib.training import GAN


def required_seed(seed: object) -> int:
    """A run's seed: a non-negative integer (None is not allowed: runs must be reproducible)."""
    if seed is None:
        raise ValueError("seed must be a non-negative integer, got None")
    return check_seed(seed)


def fit_in_chunks(
    gan: GAN,
    rows: np.ndarray,
    batch_size: int,
    *,
    seed: int,
    until: int,
    every: int,
    callback: Callable[[GAN, int], None] | None,
) -> None:
    """``until`` training steps, in ``fit`` calls of ``every`` steps, with ``callback(gan,
    steps_done)`` after each.

    The chunks read one continuous stream of batches: Keras restarts a dataset at every ``fit``
    call, so each chunk starts the stream where the previous one stopped (``start=done``).
    How often a run is scored therefore does not change the run.
    """
    done = 0
    while done < until:
        chunk = min(every, until - done)
        dataset = data.as_dataset(rows, batch_size, seed=seed, start=done)
        gan.fit(dataset, epochs=1, steps_per_epoch=chunk, verbose=0)
        done += chunk
        if callback is not None:
            callback(gan, done)
