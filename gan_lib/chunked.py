"""Training a recipe, in chunks: a run that pauses every few steps to be measured, without
changing the run.

``train(rows, recipe, seed=...)`` is the one loop that trains a ``recipes.Recipe`` on data,
points or images: the sweep (``sweep.run``), the image runs (``image_runs.train_images``),
scripts and chapters all train through it.  ``fit_in_chunks`` does the work: ``fit`` calls of
``every`` steps with a callback after each, reading one continuous, seeded stream of batches,
so that how often a run is measured does not change what it learns.  ``required_seed`` is the
check every run uses: a run's seed must be given, since runs are compared and stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from gan_lib import data, recipes
from gan_lib._checks import finite_array, positive_int
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
    """Train until ``gan`` has made ``until`` steps, in ``fit`` calls of ``every`` steps, with
    ``callback(gan, steps_done)`` after each.

    The chunks read one continuous stream of batches: Keras restarts a dataset at every ``fit``
    call, so each chunk starts the stream where the previous one stopped (``start=done``).
    How often a run is scored therefore does not change the run.  A GAN restored from a saved
    state (``GAN.load_state``) continues from its own step with the batches it would have read.
    """
    done = gan.steps_done()
    while done < until:
        chunk = min(every, until - done)
        dataset = data.as_dataset(rows, batch_size, seed=seed, start=done)
        gan.fit(dataset, epochs=1, steps_per_epoch=chunk, verbose=0)
        done += chunk
        if callback is not None:
            callback(gan, done)


def train(
    rows: np.ndarray,
    recipe: recipes.Recipe,
    *,
    seed: int,
    steps: int | None = None,
    every: int | None = None,
    callback: Callable[[GAN, int], None] | None = None,
    until: int | None = None,
) -> GAN:
    """Train ``recipe`` on ``rows`` and return the GAN.

    ``rows`` are points, shape (n, dim), for the "mlp" networks, or images, shape (n, height,
    width, channels), for the conv ones; ``n`` must be at least the batch size.  Batches are
    drawn with ``data.as_dataset`` (reshuffled every pass, seeded by ``seed``, which also fixes
    the weights).  ``steps`` replaces the recipe's number of steps.  With ``callback``,
    training pauses after every ``every`` steps (default: only at the end) and at the end, and
    calls ``callback(gan, steps_done)``.  ``until`` stops training early, after that many of
    the ``steps`` (a learning-rate decay is still scheduled over ``steps``), which reproduces
    the start of a longer run.
    """
    if not isinstance(recipe, recipes.Recipe):
        raise ValueError(f"recipe must be a gan_lib.recipes.Recipe, got {type(recipe).__name__}")
    if steps is not None:
        recipe = dataclasses.replace(recipe, steps=positive_int(steps, "steps"))
    seed = required_seed(seed)
    rows = finite_array(rows, "rows", np.float32)
    if rows.ndim not in (2, 4):
        raise ValueError(f"rows must be points (n, dim) or images (n, height, width, channels), got shape {rows.shape}")
    if len(rows) < recipe.batch_size:
        raise ValueError(
            f"rows must number at least {recipe.batch_size} (the batch size of {recipe.name!r}), got {len(rows)}"
        )
    every = recipe.steps if every is None else positive_int(every, "every")
    until = recipe.steps if until is None else positive_int(until, "until")
    if until > recipe.steps:
        raise ValueError(f"until ({until}) must not exceed steps ({recipe.steps})")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable, got {callback!r}")
    shape = rows.shape[1] if rows.ndim == 2 else rows.shape[1:]
    gan = recipes.build_gan(recipe, shape, seed=seed)
    fit_in_chunks(gan, rows, recipe.batch_size, seed=seed, until=until, every=every, callback=callback)
    return gan
