"""The small parts that ``gan_lib.training.GAN`` is built from, and the ``Snapshots`` callback.

- optimisers: ``adam_pair`` (the two players' Adams, e.g. for TTUR), ``default_optimizers``
  (the checks and defaults of ``GAN.compile``'s two optimisers), ``loss_scale_optimizers`` and
  ``loss_scaled`` (mixed precision's loss scaling), ``set_learning_rates`` (new rates in place);
- the tricks: ``TRICKS`` (``GAN.compile``'s keywords for them) and ``checked_tricks``;
- ``tf.distribute``: ``replica_random`` and ``for_gradient``, which make a step on several
  replicas equal to one device's step on the global batch;
- the models' shapes: ``input_size``, ``output_shape``, ``output_size``, and ``check_data``,
  which refuses training data that the generator's output cannot match;
- ``Snapshots``, a callback recording generator samples after every epoch.

``gan_lib.training`` re-exports ``adam_pair`` and ``Snapshots``, where the chapters reach them
(``gl.training.adam_pair``, ``gl.training.Snapshots``).  This module imports nothing from the
training module: the functions take the models, optimisers and losses they work on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_lib import losses
from gan_lib._checks import finite_array, flag, positive_float, positive_int
from gan_lib._checks import seed as check_seed

# --- Optimisers --------------------------------------------------------------------------------


def unit_interval(value: object, name: str) -> float:
    """Return ``value`` as a float in [0, 1), or raise ValueError naming ``name``."""
    number = positive_float(value, name, allow_zero=True)
    if number >= 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return number


def adam_pair(
    d_learning_rate: float = 2e-4, g_learning_rate: float = 2e-4, *, beta_1: float = 0.5, beta_2: float = 0.999
) -> tuple[keras.optimizers.Adam, keras.optimizers.Adam]:
    """Two fresh Adam optimisers, (discriminator's, generator's), for ``GAN.compile``.

    Different rates give the two time-scale update rule (TTUR, Heusel et al. 2017),
    for instance ``adam_pair(4e-4, 1e-4, beta_1=0.0, beta_2=0.9)``.
    """
    d_learning_rate = positive_float(d_learning_rate, "d_learning_rate")
    g_learning_rate = positive_float(g_learning_rate, "g_learning_rate")
    for value, name in ((beta_1, "beta_1"), (beta_2, "beta_2")):
        unit_interval(value, name)
    return (
        keras.optimizers.Adam(d_learning_rate, beta_1=beta_1, beta_2=beta_2),
        keras.optimizers.Adam(g_learning_rate, beta_1=beta_1, beta_2=beta_2),
    )


def default_optimizers(
    d_optimizer: keras.optimizers.Optimizer | None, g_optimizer: keras.optimizers.Optimizer | None
) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
    """``GAN.compile``'s two optimisers: Adam(2e-4, beta_1=0.5) for each one not given, and a
    ValueError for anything but two separate Keras optimisers."""
    # "is None", not "or": a falsy wrong value (0, "") must be refused, not replaced by the default.
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5) if d_optimizer is None else d_optimizer
    g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5) if g_optimizer is None else g_optimizer
    for name, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise ValueError(f"{name} must be a keras optimizer, got {type(optimizer).__name__}")
    if d_optimizer is g_optimizer:
        raise ValueError("d_optimizer and g_optimizer must be two separate optimizer instances")
    return d_optimizer, g_optimizer


def loss_scale_optimizers(
    d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer
) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
    """Both optimisers wrapped in a ``LossScaleOptimizer`` (those not wrapped yet) under the
    mixed_float16 policy, unchanged otherwise.

    float16 gradients of small losses underflow to 0: each loss is scaled up before
    differentiating (``loss_scaled``), and the optimiser unscales (and skips steps whose gradients
    overflowed, lowering the scale), as Micikevicius et al. (2018) prescribe."""
    if keras.mixed_precision.global_policy().name != "mixed_float16":
        return d_optimizer, g_optimizer
    d_optimizer, g_optimizer = (
        o if isinstance(o, keras.optimizers.LossScaleOptimizer) else keras.optimizers.LossScaleOptimizer(o)
        for o in (d_optimizer, g_optimizer)
    )
    return d_optimizer, g_optimizer


def loss_scaled(optimizer: keras.optimizers.Optimizer, loss: tf.Tensor) -> tf.Tensor:
    """The loss to differentiate for ``optimizer``: scaled up when it is a loss-scale optimiser
    (mixed_float16), which divides the gradients by the same factor before applying them."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.scale_loss(loss)
    return loss


def set_learning_rate(optimizer: keras.optimizers.Optimizer, value: float, name: str) -> None:
    """Assign ``value`` (a number > 0) to ``optimizer``'s learning rate, in place: its state and
    the graphs that read the rate are kept.  A loss-scale optimiser passes it on to the one it
    wraps.  A rate that is a schedule cannot be set to a number: refused, naming ``name``."""
    value = positive_float(value, name)
    try:
        optimizer.learning_rate = value
    except (TypeError, AttributeError):  # Keras: TypeError for a schedule; a plain function has no assign
        raise ValueError(
            f"{name} cannot be set: this optimiser's learning rate is a schedule or a function, "
            "not a number (make the optimiser with a number to change its rate later)"
        ) from None


def set_learning_rates(
    d_optimizer: keras.optimizers.Optimizer,
    g_optimizer: keras.optimizers.Optimizer,
    d_learning_rate: float | None,
    g_learning_rate: float | None,
) -> None:
    """``GAN.set_learning_rates``: each rate given (not None) assigned to its player's optimiser."""
    for optimizer, value, name in (
        (d_optimizer, d_learning_rate, "d_learning_rate"),
        (g_optimizer, g_learning_rate, "g_learning_rate"),
    ):
        if value is not None:
            set_learning_rate(optimizer, value, name)


# --- The tricks ------------------------------------------------------------------------------------


# GAN.compile's keywords for the tricks, in the order they are checked.
TRICKS = (
    "r1", "r2", "gradient_penalty", "clip_weights", "d_l1", "d_l2", "g_l1", "g_l2", "label_smoothing",
    "instance_noise", "instance_noise_steps", "d_steps", "ema", "pack", "trackers",
)  # fmt: skip


def checked_tricks(
    generator: keras.Model, discriminator: keras.Model, adversarial_loss: Any, given: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``TRICKS`` keywords of ``GAN.compile`` in ``given``, checked (a ValueError names the first
    one refused) against each other and the two models: keyword -> the value the training step reads."""
    tricks: dict[str, Any] = {}
    for name in ("r1", "r2", "gradient_penalty", "clip_weights", "d_l1", "d_l2", "g_l1", "g_l2"):
        tricks[name] = positive_float(given[name], name, allow_zero=True)
    tricks["label_smoothing"] = unit_interval(given["label_smoothing"], "label_smoothing")
    if tricks["label_smoothing"] and not adversarial_loss.cross_entropy:
        raise ValueError(
            f"label_smoothing needs a cross-entropy loss ({', '.join(losses.CROSS_ENTROPY)}), "
            f"got {adversarial_loss.name!r}"
        )
    tricks["instance_noise"] = positive_float(given["instance_noise"], "instance_noise", allow_zero=True)
    steps = given["instance_noise_steps"]
    tricks["instance_noise_steps"] = None if steps is None else positive_int(steps, "instance_noise_steps")
    tricks["d_steps"] = positive_int(given["d_steps"], "d_steps")
    tricks["ema"] = unit_interval(given["ema"], "ema")
    tricks["pack"] = pack = positive_int(given["pack"], "pack")
    tricks["trackers"] = flag(given["trackers"], "trackers")
    data_size, d_size = output_size(generator), input_size(discriminator)
    if data_size is not None and d_size is not None and pack * data_size != d_size:
        raise ValueError(
            f"pack={pack} needs a discriminator input of size {pack} * {data_size}, "
            f"but the discriminator takes {d_size}"
        )
    return tricks


# --- tf.distribute -------------------------------------------------------------------------------


def replica_random(draw: Any, shape: Any) -> tf.Tensor:
    """``draw(shape)`` for this replica's share of a batch, with ``shape[0]`` rows.

    On one device this is just ``draw(shape)``. Under a ``tf.distribute`` strategy every
    replica holds the same seed, so each draws the numbers for the *global* batch and keeps
    its own slice: the replicas then use different noise, and together exactly the noise a
    single device would draw for the whole batch.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    context = tf.distribute.get_replica_context()
    if replicas == 1 or context is None:
        return draw(shape)
    shape = tf.convert_to_tensor(shape, tf.int32)
    local = shape[0]
    full = draw(tf.concat([[local * replicas], shape[1:]], axis=0))
    start = tf.cast(context.replica_id_in_sync_group, tf.int32) * local
    return full[start : start + local]


def for_gradient(loss: tf.Tensor) -> tf.Tensor:
    """The loss to differentiate. Keras' optimiser sums gradients over replicas, so under a
    strategy each replica's mean loss is divided by their number: the update then equals
    one device's update on the global batch."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss / replicas


# --- The models' shapes --------------------------------------------------------------------------


def input_size(model: keras.Model) -> int | None:
    """The last dimension of a model's input, when the model declares one."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list):
        return None
    return shape[-1] if shape else None


def output_shape(model: keras.Model) -> tuple | None:
    """A model's output shape (batch dimension first), when the model declares a single one."""
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return None
    return None if isinstance(shape, list) or not shape else tuple(shape)


def output_size(model: keras.Model) -> int | None:
    """The last dimension of a model's output, when the model declares one."""
    shape = output_shape(model)
    return shape[-1] if shape else None


def check_data(generator: keras.Model, x: Any) -> None:
    """Refuse training data whose shape or dtype the generator's output cannot match, or numpy
    data with NaN or Inf, before Keras turns them into an error deep inside the first step.
    Datasets are checked through their element spec only (their values are not read)."""
    expected = output_shape(generator)
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec[0] if isinstance(x.element_spec, tuple) else x.element_spec
        if not isinstance(spec, tf.TensorSpec) or not (spec.dtype.is_floating or spec.dtype.is_integer):
            raise ValueError(f"x must be a dataset of real-valued batches, got elements {spec}")
        shape = spec.shape
    elif isinstance(x, (np.ndarray, list)) or tf.is_tensor(x):
        array = finite_array(x, "x", dtype=None)
        shape = tf.TensorShape(array.shape)
    else:
        return  # a generator or Keras PyDataset: left to Keras
    if expected is not None and not shape.is_compatible_with(tf.TensorShape([None, *expected[1:]])):
        raise ValueError(
            f"x must hold batches shaped like the generator's output {tuple(expected)}, got {tuple(shape)}"
        )


# --- Snapshots -----------------------------------------------------------------------------------


class Snapshots(keras.callbacks.Callback):
    """Records generator samples from one fixed noise batch at the end of every epoch.

    After ``fit``, ``steps[i]`` is the number of training steps done when
    ``samples[i]`` was drawn.  The first entry is the untrained generator.
    """

    def __init__(self, n: int = 1000, *, seed: int = 0) -> None:
        super().__init__()
        self.n = positive_int(n, "n")
        self.seed = check_seed(seed)
        self.steps: list[int] = []
        self.samples: list[np.ndarray] = []

    def _record(self) -> None:
        # The generator optimiser counts the training steps done, across calls of fit.
        self.steps.append(self.model.steps_done())
        self.samples.append(self.model.sample(self.n, seed=self.seed))

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self.steps:
            self._record()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._record()
