"""Rounds of training by hand: k discriminator steps, then m generator steps, many rounds per call.

``GAN.train_rounds`` is the one loop that the two interactive games use (the 2-D playground and
the 1-D game of ``gan_lib.widgets``), where a reader steps one player or both.  ``fit`` trains the
usual way, one ``train_step`` per batch; a round here takes the same two steps,
``GAN.discriminator_step`` and ``GAN.generator_step``, in any numbers (0 included), and draws
each discriminator step's real batch itself: from a ``tf.random.Generator`` inside the graph, or
at rows the caller chose.  All the rounds of a call run in one graph call (a Python call per
step would be several times slower).

This module imports nothing from the training module (only ``gan_lib.training_parts``, below it):
``RoundsFunction`` is given the GAN.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_lib._checks import finite_array, positive_int, real_array, real_tensor
from gan_lib.training_parts import output_shape


class RoundsFunction:
    """The traced loop of ``GAN.train_rounds`` for one compiled GAN (``compile`` makes a new one, as
    the loss and the tricks are traced into the graph).

    Calling it checks the arguments (a ValueError names the one that is wrong), runs the rounds in
    one graph call and returns the losses, (d_losses, g_losses) as float32 arrays of ``rounds``
    values each: the loss of each round's last step of that player, NaN where it took none.
    """

    def __init__(self, gan: keras.Model) -> None:
        self.gan = gan
        # reduce_retracing: rows of a new shape trace once more at most, with the shape relaxed.
        self._function = tf.function(self._rounds, reduce_retracing=True)

    def __call__(
        self,
        real: Any,
        rounds: int,
        d_steps_per_round: int,
        g_steps_per_round: int,
        *,
        batch_size: int,
        batches: tf.random.Generator | None,
        rows: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        rounds = positive_int(rounds, "rounds")
        d_steps_per_round = positive_int(d_steps_per_round, "d_steps_per_round", allow_zero=True)
        g_steps_per_round = positive_int(g_steps_per_round, "g_steps_per_round", allow_zero=True)
        if d_steps_per_round == g_steps_per_round == 0:
            raise ValueError("d_steps_per_round and g_steps_per_round are both 0: a round must move a player")
        batch_size = positive_int(batch_size, "batch_size")
        real = self._checked_real(real)
        if rows is not None:
            if batches is not None:
                raise ValueError("give rows or batches, not both: rows fixes the real batches, batches draws them")
            rows = self._checked_rows(rows, (rounds, d_steps_per_round, batch_size), int(real.shape[0]))
        elif not isinstance(batches, tf.random.Generator):
            raise ValueError(f"batches must be a tf.random.Generator, got {type(batches).__name__}")
        if self.gan.distribute_strategy.num_replicas_in_sync > 1:
            raise ValueError("train_rounds runs on one device; under a multi-device strategy, train with fit")
        d_losses, g_losses = self._function(
            real,
            tf.constant(rounds),
            tf.constant(d_steps_per_round),
            tf.constant(g_steps_per_round),
            batch_size,
            batches,
            rows,
        )
        return keras.ops.convert_to_numpy(d_losses), keras.ops.convert_to_numpy(g_losses)

    def _checked_real(self, real: Any) -> tf.Tensor:
        """``real`` as a float tensor shaped like the generator's output, with at least one row."""
        if not tf.is_tensor(real):
            real = finite_array(real, "real", np.float32)
        real = real_tensor(real, "real", floating=True)
        expected = output_shape(self.gan.generator)
        if real.shape.rank is None or real.shape.rank < 2 or real.shape[0] == 0:
            raise ValueError(f"real must hold at least one point, shape (n, ...), got {tuple(real.shape)}")
        if expected is not None and not real.shape.is_compatible_with(tf.TensorShape([None, *expected[1:]])):
            raise ValueError(
                f"real must hold points shaped like the generator's output {expected}, got {tuple(real.shape)}"
            )
        return real

    @staticmethod
    def _checked_rows(rows: Any, shape: tuple[int, int, int], n: int) -> tf.Tensor:
        """``rows`` as an int32 tensor of ``shape`` with entries in [0, n)."""
        array = real_array(rows, "rows", dtype=None)
        if array.dtype.kind not in "iu":
            raise ValueError(f"rows must hold integers (indices into real), got dtype {array.dtype}")
        if array.shape != shape:
            raise ValueError(
                f"rows must have shape (rounds, d_steps_per_round, batch_size) = {shape}, got {array.shape}"
            )
        if array.size and (array.min() < 0 or array.max() >= n):
            raise ValueError(f"rows must be indices into real, from 0 to {n - 1}; got {array.min()} to {array.max()}")
        return tf.constant(array, tf.int32)

    def _rounds(
        self,
        real: tf.Tensor,
        rounds: tf.Tensor,
        d_per_round: tf.Tensor,
        g_per_round: tf.Tensor,
        batch_size: int,
        batches: tf.random.Generator | None,
        rows: tf.Tensor | None,
    ) -> tuple[tf.Tensor, tf.Tensor]:
        gan = self.gan
        d_losses = tf.TensorArray(tf.float32, size=rounds)
        g_losses = tf.TensorArray(tf.float32, size=rounds)
        for i in tf.range(rounds):
            d_loss = tf.constant(np.nan, tf.float32)  # NaN: that player did not move this round
            g_loss = tf.constant(np.nan, tf.float32)
            for j in tf.range(d_per_round):
                if rows is None:
                    index = batches.uniform([batch_size], minval=0, maxval=tf.shape(real)[0], dtype=tf.int32)
                else:
                    index = rows[i, j]
                d_loss = tf.cast(gan.discriminator_step(tf.gather(real, index))[0], tf.float32)
            for _ in tf.range(g_per_round):
                g_loss = tf.cast(gan.generator_step(batch_size), tf.float32)
            d_losses = d_losses.write(i, d_loss)
            g_losses = g_losses.write(i, g_loss)
        return d_losses.stack(), g_losses.stack()
