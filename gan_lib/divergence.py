"""The divergence guard: stop training at the first step whose losses or weights are NaN or Inf.

Two pieces, one home:

- ``Guard``, which a compiled ``gan_lib.training.GAN`` holds as ``gan.guard``, owns the state:
  a copy of the last finite weights, the step that copy is from, and the record of the first bad
  step. Its ``before_step`` and ``after_step`` run inside the training graph (so the check costs
  no round trip per step); ``start``, ``check`` and ``restore`` run in Python.
- ``DivergenceGuard``, the Keras callback that ``GAN.fit`` adds, calls ``gan.guard.start()``
  when training begins and ``gan.guard.check()`` after every graph call.

This module imports nothing from the training module: the guard is given two functions, one
that returns the variables to watch and one that returns the training-step counter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

CAUSES = (
    "a learning rate too high for this loss; an unbounded critic (a Wasserstein loss without "
    "gradient penalty or clipping); NaN or Inf in the training data; float16 overflow under mixed precision"
)

_WEIGHTS_BAD = 4
# What went bad, as bits of one integer recorded in the graph.
_QUANTITIES = ((1, "d_loss"), (2, "g_loss"), (_WEIGHTS_BAD, "weights"))


class DivergenceError(RuntimeError):
    """Training produced a NaN or Inf; the message names the step, the quantity and likely causes."""


class Guard:
    """The divergence guard's state, kept in the graph so that it costs no sync per step.

    Args:
        weights: returns the watched variables, keyed like ``GAN.player_weights()``
            ("generator/0", ...); the copy is made of those there are now.
        steps: returns the training-step counter (the generator optimiser's ``iterations``).
        strategy: the ``tf.distribute`` strategy to create the guard's variables under.

    The state is a copy of the last finite weights, the first bad step (-1: none), what went bad
    (a bit mask over ``_QUANTITIES``) and which weight arrays were not finite. Every replica
    holds the same weights, so the first replica's record stands for all.
    """

    def __init__(
        self, weights: Callable[[], dict[str, Any]], steps: Callable[[], Any], strategy: tf.distribute.Strategy
    ) -> None:
        self._watched = weights
        self._steps = steps
        with strategy.scope():
            self._backup = [
                keras.Variable(keras.ops.convert_to_numpy(w), trainable=False, aggregation="only_first_replica")
                for w in self._weights()
            ]
            self._bad_step = keras.Variable(-1, dtype="int64", trainable=False, aggregation="only_first_replica")
            self._what = keras.Variable(0, dtype="int32", trainable=False, aggregation="only_first_replica")
            self._arrays = keras.Variable(  # which weight arrays were not finite
                np.zeros(len(self._backup), bool), dtype="bool", trainable=False, aggregation="only_first_replica"
            )
        self._kept_step = -1

    def _weights(self) -> list[Any]:
        return list(self._watched().values())

    @property
    def kept_step(self) -> int:
        """The training step the kept weights are from; -1 before any training with the guard."""
        return self._kept_step

    # --- In the training graph ------------------------------------------------------------------

    def before_step(self) -> None:
        """Keep the weights as they are before this step if they are finite and nothing went
        bad yet; if they are not finite, the previous step made them so: record it."""
        # One sum per array: a NaN or Inf anywhere in it makes the sum non-finite (cheaper than
        # an elementwise is_finite over every weight).
        weights = self._weights()
        finite_each = tf.math.is_finite(tf.stack([tf.reduce_sum(tf.cast(w, "float32")) for w in weights]))
        finite = tf.reduce_all(finite_each)
        clean = self._bad_step < 0
        keep = tf.logical_and(clean, finite)
        for backup, weight in zip(self._backup, weights):
            backup.assign(tf.where(keep, weight, backup))
        went_bad = tf.logical_and(clean, tf.logical_not(finite))
        self._bad_step.assign(tf.where(went_bad, tf.cast(self._steps(), "int64"), self._bad_step))
        self._what.assign(tf.where(went_bad, _WEIGHTS_BAD, self._what))
        self._arrays.assign(tf.where(went_bad, tf.logical_not(finite_each), self._arrays))

    def after_step(self, d_loss: tf.Tensor, g_loss: tf.Tensor) -> None:
        """Record this step (the step counter has just counted it) if a loss is not finite."""
        bad = tf.where(tf.math.is_finite(d_loss), 0, 1) + tf.where(tf.math.is_finite(g_loss), 0, 2)
        went_bad = tf.logical_and(self._bad_step < 0, bad > 0)
        self._bad_step.assign(tf.where(went_bad, tf.cast(self._steps(), "int64"), self._bad_step))
        self._what.assign(tf.where(went_bad, bad, self._what))

    # --- In Python, between graph calls ---------------------------------------------------------

    def _steps_done(self) -> int:
        return int(keras.ops.convert_to_numpy(self._steps()))

    def start(self) -> None:
        """Begin a guarded run: refuse weights that are already not finite, keep the current
        ones, and clear the record of any earlier run."""
        watched = self._watched()
        bad = bad_weight_summary({name: keras.ops.convert_to_numpy(w) for name, w in watched.items()})
        if bad:
            raise DivergenceError(f"The weights are not finite before training starts: {', '.join(bad)}.")
        for backup, weight in zip(self._backup, watched.values()):
            backup.assign(weight)
        self._bad_step.assign(-1)
        self._what.assign(0)
        self._arrays.assign(np.zeros(len(self._backup), bool))
        self._kept_step = self._steps_done()

    def check(self) -> None:
        """Read the graph's record after a graph call; raise ``DivergenceError`` if a step went bad.

        The error names the first bad step, what went bad and the likely causes; the weights
        kept are then those from the step before it.
        """
        step = int(keras.ops.convert_to_numpy(self._bad_step))
        if step < 0:
            # The copy is taken before each step: it holds the weights of one step ago.
            self._kept_step = self._steps_done() - 1
            return
        what = int(keras.ops.convert_to_numpy(self._what))
        bad = [name for bit, name in _QUANTITIES if what & bit and name != "weights"]
        if what & _WEIGHTS_BAD:
            arrays = keras.ops.convert_to_numpy(self._arrays)
            marks = {name: np.float32(np.nan if flagged else 0.0) for name, flagged in zip(self._watched(), arrays)}
            bad += bad_weight_summary(marks) or ["weights"]
        self._kept_step = step - 1
        raise DivergenceError(
            f"Training diverged at step {step}: {', '.join(bad)} became NaN or Inf. "
            f"Likely causes: {CAUSES}. The last finite weights, from step {step - 1}, are kept: "
            "call gan.restore_last_good_weights()."
        )

    def restore(self) -> int:
        """Put the kept weights back into the watched variables; returns the step they are from."""
        if self._kept_step < 0:
            raise ValueError(NOTHING_KEPT)
        for weight, backup in zip(self._weights(), self._backup):
            weight.assign(backup)
        return self._kept_step


NOTHING_KEPT = "no good weights were kept: train with fit(divergence_guard=True) first"


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first step whose losses or weights are not finite.

    The check runs in the training graph (``GAN.train_step``, through ``gan.guard``): before
    every step the weights of both players (and of the moving average) are copied aside if they
    are finite, and the first step with a non-finite loss or weight is recorded. This callback
    reads that record after every graph call (every ``steps_per_execution`` steps) and raises
    ``DivergenceError`` naming the exact step, what went bad and the likely causes. The weights
    from the step before stay available: ``gan.restore_last_good_weights()``. ``GAN.fit`` adds
    one unless called with ``divergence_guard=False``.
    """

    CAUSES = CAUSES

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.model.guard.start()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        try:
            self.model.guard.check()
        except DivergenceError:
            self.model.stop_training = True
            raise


def bad_weight_summary(weights: dict[str, np.ndarray]) -> list[str]:
    """E.g. ['generator weights 0, 2 (of 6)'] for the non-finite arrays of ``player_weights()``."""
    summary = []
    for player in ("generator", "discriminator", "ema_generator"):
        indices = [name.split("/")[1] for name in weights if name.startswith(player + "/")]
        bad = [i for i in indices if not np.all(np.isfinite(weights[f"{player}/{i}"]))]
        if bad:
            summary.append(f"{player} weights {', '.join(bad)} (of {len(indices)})")
    return summary
