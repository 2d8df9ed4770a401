"""The GAN training model: the one place where a training step lives.

``GAN`` follows the Keras idiom for custom training: a ``keras.Model`` subclass
with its own ``compile`` and ``train_step``, so ``fit()`` brings progress bars,
callbacks and history for free.  One call of ``train_step``:

1. draws fresh noise and takes one discriminator step on the real batch and a fake batch
   (``d_steps`` such steps, each with fresh fakes, when compiled with ``d_steps > 1``);
2. draws fresh noise again and takes one generator step through the updated discriminator;
3. updates the trackers (losses and the mean of D on real and fake points).

The stabilising tricks of ``gan_lib.regularizers`` (penalties, clipping, weight decay,
label smoothing, instance noise, packing, a moving average of the generator) are switched
on by keywords of ``GAN.compile``; with none given the step is the plain algorithm.

Two parts of a GAN's bookkeeping have their own modules, which this one builds on:
``gan_lib.divergence`` (the divergence guard, held as ``gan.guard``, and its callback) and
``gan_lib.checkpoints`` (the full state on disk: ``save_state``, ``load_state``, ``Checkpoint``).
Their public names stay importable from here too.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_lib import _keras_internals, checkpoints, divergence, losses, regularizers
from gan_lib._checks import finite_array, flag, positive_float, positive_int
from gan_lib._checks import seed as check_seed

# Re-exported: these lived here before they got their own modules.
from gan_lib.checkpoints import Checkpoint as Checkpoint
from gan_lib.divergence import DivergenceError as DivergenceError
from gan_lib.divergence import DivergenceGuard as DivergenceGuard


class GAN(keras.Model):
    """A generator and a discriminator trained against each other.

    Args:
        generator: maps noise of shape (batch, latent_dim) to samples.
        discriminator: maps samples to one logit each (no sigmoid).
        latent_dim: size of the standard-normal noise fed to the generator.
        seed: seed of the noise stream; None uses Keras' global seed
            (set with ``keras.utils.set_random_seed``).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        latent_dim: int,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, model in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(model, keras.Model):
                raise ValueError(f"{name} must be a keras.Model, got {type(model).__name__}")
        if generator is discriminator:
            raise ValueError("generator and discriminator must be two different models")
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        expected = _input_size(generator)
        if expected is not None and expected != self.latent_dim:
            raise ValueError(f"latent_dim is {self.latent_dim} but the generator takes inputs of size {expected}")
        self.generator = generator
        self.discriminator = discriminator
        self.seed_generator = keras.random.SeedGenerator(check_seed(seed))
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.ema_generator: keras.Model | None = None
        self.guard: divergence.Guard | None = None  # made by compile
        # Both players are built models, so this model is too; without this, fit() would try to
        # build it by calling it on a data batch (it takes noise, not data).
        self.built = True

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        loss: str | losses.AdversarialLoss = "non_saturating",
        *,
        r1: float = 0.0,
        r2: float = 0.0,
        gradient_penalty: float = 0.0,
        clip_weights: float = 0.0,
        d_l1: float = 0.0,
        d_l2: float = 0.0,
        g_l1: float = 0.0,
        g_l2: float = 0.0,
        label_smoothing: float = 0.0,
        instance_noise: float = 0.0,
        instance_noise_steps: int | None = None,
        d_steps: int = 1,
        ema: float = 0.0,
        pack: int = 1,
        trackers: bool = True,
        **kwargs: Any,
    ) -> None:
        """Choose the optimisers, the adversarial loss and the stabilising tricks.

        Each player needs its own optimiser: an optimiser keeps per-variable state
        (Adam's moments), so one shared instance would mix the two players' statistics.
        The default for both is Adam(2e-4, beta_1=0.5), the DCGAN setting.  Separate
        learning rates (TTUR, Heusel et al. 2017) are two optimisers with different
        rates, e.g. ``compile(*gan_lib.training.adam_pair(4e-4, 1e-4))``.

        Every trick is off by default (0, or 1 for the counts), and then the step is the
        plain algorithm, unchanged.  See ``gan_lib.regularizers`` for the formulas.  The
        penalties are taken on what D sees: after instance noise and packing.

        Args:
            loss: a name from ``gan_lib.losses.NAMES`` or an ``AdversarialLoss``.
            r1: gamma of the R1 penalty gamma/2 * E||grad D(x)||^2 on real data.
            r2: gamma of the same penalty on generated data (R2).
            gradient_penalty: lambda of the WGAN-GP penalty on real-fake interpolates.
            clip_weights: c > 0 clips every discriminator weight into [-c, c] after each of its updates.
            d_l1, d_l2, g_l1, g_l2: L1 / L2 weight decay on the discriminator's / generator's kernels.
            label_smoothing: alpha in [0, 1): real target 1 - alpha (cross-entropy losses only).
            instance_noise: sigma0 of Gaussian noise added to every input of D (real and fake,
                in both players' steps).
            instance_noise_steps: the std falls linearly from sigma0 to 0 over this many
                training steps; None keeps it at sigma0.
            d_steps: discriminator updates per generator update (each on the same real batch
                and fresh fakes).
            ema: decay in [0, 1) of an exponential moving average of the generator's weights,
                kept in ``ema_generator`` (initialised from the generator now) and used by
                ``sample``; 0 turns it off.
            pack: m >= 1; D sees m samples concatenated (PacGAN), so it must take inputs of
                m times the data size, and batches should be multiples of m.
            trackers: False skips the four running means (``d_loss``, ``g_loss``, ``d_real``,
                ``d_fake``): ``fit`` then logs only the last step's two losses.  Training is
                the same either way; ``benchmarks/train_step.py`` times what the means cost.
        """
        super_kwargs = set(inspect.signature(keras.Model.compile).parameters) - {"self", "loss"}
        for name in kwargs:
            if name not in super_kwargs:
                raise ValueError(f"compile got an unknown argument {name!r}")
        # None: fit picks the execution length itself (see _execution_length).
        chosen = kwargs.pop("steps_per_execution", None)
        self._auto_execution = chosen is None
        if chosen is not None:
            kwargs["steps_per_execution"] = positive_int(chosen, "steps_per_execution")
        super().compile(**kwargs)
        self._train_functions: dict[tuple[int, bool], Any] = {}
        # "is None", not "or": a falsy wrong value (0, "") must be refused, not replaced by the default.
        d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5) if d_optimizer is None else d_optimizer
        g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5) if g_optimizer is None else g_optimizer
        for name, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise ValueError(f"{name} must be a keras optimizer, got {type(optimizer).__name__}")
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two separate optimizer instances")
        self.adversarial_loss = losses.get(loss)
        self.r1 = positive_float(r1, "r1", allow_zero=True)
        self.r2 = positive_float(r2, "r2", allow_zero=True)
        self.gradient_penalty = positive_float(gradient_penalty, "gradient_penalty", allow_zero=True)
        self.clip_weights = positive_float(clip_weights, "clip_weights", allow_zero=True)
        self.d_l1 = positive_float(d_l1, "d_l1", allow_zero=True)
        self.d_l2 = positive_float(d_l2, "d_l2", allow_zero=True)
        self.g_l1 = positive_float(g_l1, "g_l1", allow_zero=True)
        self.g_l2 = positive_float(g_l2, "g_l2", allow_zero=True)
        self.label_smoothing = _unit_interval(label_smoothing, "label_smoothing")
        if self.label_smoothing and not self.adversarial_loss.cross_entropy:
            raise ValueError(
                f"label_smoothing needs a cross-entropy loss ({', '.join(losses.CROSS_ENTROPY)}), "
                f"got {self.adversarial_loss.name!r}"
            )
        self.instance_noise = positive_float(instance_noise, "instance_noise", allow_zero=True)
        self.instance_noise_steps = (
            None if instance_noise_steps is None else positive_int(instance_noise_steps, "instance_noise_steps")
        )
        self.d_steps = positive_int(d_steps, "d_steps")
        self.ema = _unit_interval(ema, "ema")
        self.pack = positive_int(pack, "pack")
        self.trackers = flag(trackers, "trackers")
        data_size, d_size = _output_size(self.generator), _input_size(self.discriminator)
        if data_size is not None and d_size is not None and self.pack * data_size != d_size:
            raise ValueError(
                f"pack={self.pack} needs a discriminator input of size {self.pack} * {data_size}, "
                f"but the discriminator takes {d_size}"
            )
        if self.ema:
            # A separate copy of the generator holds the average; the raw generator keeps training.
            self.ema_generator = keras.models.clone_model(self.generator)
            self.ema_generator.set_weights(self.generator.get_weights())
        else:
            self.ema_generator = None
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            # float16 gradients of small losses underflow to 0: scale each loss up before
            # differentiating, and let the optimiser unscale (and skip steps whose gradients
            # overflowed, lowering the scale), as Micikevicius et al. (2018) prescribe.
            d_optimizer, g_optimizer = (
                o if isinstance(o, keras.optimizers.LossScaleOptimizer) else keras.optimizers.LossScaleOptimizer(o)
                for o in (d_optimizer, g_optimizer)
            )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Build the optimiser state now, outside any tf.function, so tracing creates no variables.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        # The divergence guard (gan_lib.divergence): the last finite weights and the first bad step.
        self.guard = divergence.Guard(
            self._player_variables, lambda: self.g_optimizer.iterations, self.distribute_strategy
        )

    def _player_variables(self) -> dict[str, Any]:
        """The players' weight variables (and the moving average's), keyed like ``player_weights()``."""
        models = {"generator": self.generator, "discriminator": self.discriminator}
        if self.ema_generator is not None:
            models["ema_generator"] = self.ema_generator
        return {f"{name}/{i}": w for name, model in models.items() for i, w in enumerate(model.weights)}

    def fit(
        self, *args: Any, shuffle: bool = False, divergence_guard: bool = True, **kwargs: Any
    ) -> keras.callbacks.History:
        """Keras' ``fit``, guarded against divergence.

        Shuffling is left to the dataset (``gan_lib.data.as_dataset`` reshuffles every pass),
        so the default here is ``shuffle=False``, which Keras would ignore anyway. With
        ``divergence_guard`` (the default) a ``DivergenceGuard`` stops training at the first
        step whose losses or weights are NaN or Inf, with a ``DivergenceError`` that says
        which, and keeps the last finite weights (``restore_last_good_weights()``).
        """
        if not hasattr(self, "d_optimizer"):
            raise ValueError("compile the GAN before fit")
        divergence_guard = flag(divergence_guard, "divergence_guard")
        self._check_data(args[0] if args else kwargs.get("x"))
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if divergence_guard and not any(isinstance(callback, DivergenceGuard) for callback in callbacks):
            callbacks.append(DivergenceGuard())
        kwargs["callbacks"] = callbacks
        self._guarding = any(isinstance(callback, DivergenceGuard) for callback in callbacks)
        steps = kwargs.get("steps_per_epoch")
        if self._auto_execution:
            self.steps_per_execution = self._execution_length(steps)
        elif steps is not None and steps % self.steps_per_execution:
            raise ValueError(
                f"steps_per_epoch ({steps}) must be a multiple of steps_per_execution ({self.steps_per_execution})"
            )
        return super().fit(*args, shuffle=shuffle, **kwargs)

    MAX_EXECUTION = 25  # training steps per graph call, at most (see _execution_length)

    def _execution_length(self, steps_per_epoch: int | None) -> int:
        """How many training steps one graph call runs when compile left it to fit.

        Running several steps per call (Keras' ``steps_per_execution``) saves the Python and
        callback round trip of every step. Callbacks then run once per call, so the length is
        the largest divisor of ``steps_per_epoch`` up to ``MAX_EXECUTION`` (Keras would
        otherwise overshoot the epoch), and 1 on Keras versions that unroll the steps in Python
        rather than loop over them in the graph, or under a multi-device strategy.
        """
        if not _keras_internals.loops_steps_in_graph(self):
            return 1
        if self.distribute_strategy.num_replicas_in_sync > 1:
            # Keras 3.15's in-graph loop fails under MirroredStrategy ("You must feed a value for
            # placeholder tensor ..."), so several devices run one step per call.
            return 1
        if steps_per_epoch is None:
            return self.MAX_EXECUTION  # a finite dataset: Keras stops the loop when it runs out
        return max(k for k in range(1, self.MAX_EXECUTION + 1) if steps_per_epoch % k == 0)

    def make_train_function(self, force: bool = False) -> Any:
        # One traced function per (execution length, guard on/off), so that switching between
        # them, as fit calls with different lengths do, does not trace again.
        key = (self.steps_per_execution, getattr(self, "_guarding", False))
        cached = getattr(self, "_train_functions", {}).get(key)
        if cached is not None and not force:
            self.train_function = cached
            return cached
        _keras_internals.build_train_function(self, super().make_train_function)
        if hasattr(self, "_train_functions"):
            self._train_functions[key] = self.train_function
        return self.train_function

    def _check_data(self, x: Any) -> None:
        """Refuse training data whose shape or dtype the generator's output cannot match, or numpy
        data with NaN or Inf, before Keras turns them into an error deep inside the first step.
        Datasets are checked through their element spec only (their values are not read)."""
        expected = _output_shape(self.generator)
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

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        # Listed here so that Keras resets them at the start of every epoch.
        if not getattr(self, "trackers", True):
            return []
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, noise: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Generated samples for a batch of noise."""
        return self.generator(noise, training=training)

    def _replica_random(self, draw: Any, shape: Any) -> tf.Tensor:
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

    def _noise(self, batch_size: tf.Tensor) -> tf.Tensor:
        def draw(shape: Any) -> tf.Tensor:
            return keras.random.normal(shape, seed=self.seed_generator)

        return self._replica_random(draw, tf.stack([tf.cast(batch_size, tf.int32), self.latent_dim]))

    @staticmethod
    def _for_gradient(loss: tf.Tensor) -> tf.Tensor:
        """The loss to differentiate. Keras' optimiser sums gradients over replicas, so under a
        strategy each replica's mean loss is divided by their number: the update then equals
        one device's update on the global batch."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss if replicas == 1 else loss / replicas

    def instance_noise_std(self) -> tf.Tensor:
        """The current instance-noise std; the schedule counts generator steps (training steps)."""
        return regularizers.instance_noise_std(
            self.g_optimizer.iterations, self.instance_noise, self.instance_noise_steps
        )

    def _discriminator_input(self, samples: tf.Tensor) -> tf.Tensor:
        """What D sees of a batch: instance noise first, then packing; unchanged by default."""
        if self.instance_noise:
            noise = self._replica_random(
                lambda shape: keras.random.normal(shape, seed=self.seed_generator), tf.shape(samples)
            )
            samples = samples + self.instance_noise_std() * noise
        return regularizers.pack(samples, self.pack)

    def discriminator_step(self, real: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """One discriminator update on ``real`` and as many fresh fakes.

        Returns the discriminator loss (penalties included) and the logits on the real
        and the fake batch (one logit per packed group when packing).  The fakes are made
        outside the tape, so no gradient reaches the generator.
        """
        fake = self.generator(self._noise(tf.shape(real)[0]), training=True)
        real, fake = self._discriminator_input(real), self._discriminator_input(fake)

        def critic(x: tf.Tensor) -> tf.Tensor:
            return self.discriminator(x, training=True)

        with tf.GradientTape() as tape:
            real_logits = critic(real)
            fake_logits = critic(fake)
            if self.label_smoothing:
                d_loss = regularizers.smoothed_cross_entropy(real_logits, fake_logits, self.label_smoothing)
            else:
                d_loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
            if self.r1:
                d_loss += regularizers.zero_centered_penalty(critic, real, self.r1)
            if self.r2:
                d_loss += regularizers.zero_centered_penalty(critic, fake, self.r2)
            if self.gradient_penalty:
                eps = self._replica_random(
                    lambda shape: keras.random.uniform(shape, seed=self.seed_generator),
                    regularizers.interpolation_shape(real),
                )
                d_loss += regularizers.interpolated_penalty(critic, real, fake, self.gradient_penalty, eps=eps)
            if self.d_l1 or self.d_l2:
                d_loss += regularizers.weight_decay(self.discriminator, self.d_l1, self.d_l2)
            scaled_loss = _loss_scaled(self.d_optimizer, self._for_gradient(d_loss))
        d_variables = self.discriminator.trainable_variables
        d_gradients = tape.gradient(scaled_loss, d_variables)
        self.d_optimizer.apply_gradients(zip(d_gradients, d_variables))
        if self.clip_weights:
            regularizers.clip_weights(d_variables, self.clip_weights)
        return d_loss, real_logits, fake_logits

    def generator_step(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """One generator update on fresh noise, through the current discriminator; returns its loss.

        Then the generator's moving average, if any, takes one step.
        """
        with tf.GradientTape() as tape:
            fake = self._discriminator_input(self.generator(self._noise(batch_size), training=True))
            g_logits = self.discriminator(fake, training=True)
            g_loss = self.adversarial_loss.generator(g_logits)
            if self.g_l1 or self.g_l2:
                g_loss += regularizers.weight_decay(self.generator, self.g_l1, self.g_l2)
            scaled_loss = _loss_scaled(self.g_optimizer, self._for_gradient(g_loss))
        g_variables = self.generator.trainable_variables
        g_gradients = tape.gradient(scaled_loss, g_variables)
        self.g_optimizer.apply_gradients(zip(g_gradients, g_variables))
        if self.ema:
            regularizers.ema_update(self.ema_generator.weights, self.generator.weights, self.ema)
        return g_loss

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        real = data[0] if isinstance(data, (tuple, list)) else data
        if getattr(self, "_guarding", False):
            self._guard_before_step()
        for _ in range(self.d_steps):
            d_loss, real_logits, fake_logits = self.discriminator_step(real)
        # The generator step sees the discriminator just updated.
        g_loss = self.generator_step(tf.shape(real)[0])
        if getattr(self, "_guarding", False):
            self._guard_after_step(d_loss, g_loss)
        if not self.trackers:
            return {"d_loss": d_loss, "g_loss": g_loss}
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(tf.sigmoid(real_logits))
        self.d_fake_tracker.update_state(tf.sigmoid(fake_logits))
        return {metric.name: metric.result() for metric in self.metrics}

    def _guard_before_step(self) -> None:
        self.guard.before_step()

    def _guard_after_step(self, d_loss: tf.Tensor, g_loss: tf.Tensor) -> None:
        self.guard.after_step(d_loss, g_loss)

    def sample(self, n: int, seed: int | None = None, *, batch_size: int = 8192, average: bool = True) -> np.ndarray:
        """``n`` generator samples as a numpy array; the same ``seed`` gives the same noise.

        When the generator's moving average is on (``compile(ema=...)``) the samples come
        from the average, unless ``average=False``.
        """
        n = positive_int(n, "n")
        seed = check_seed(seed)
        batch_size = positive_int(batch_size, "batch_size")
        average = flag(average, "average")
        generator = self.ema_generator if (average and self.ema_generator is not None) else self.generator
        noise = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        parts = [
            keras.ops.convert_to_numpy(generator(noise[start : start + batch_size], training=False))
            for start in range(0, n, batch_size)
        ]
        return np.concatenate(parts, axis=0)

    # --- State: what a checkpoint holds, and the weights the divergence guard keeps -------------

    def steps_done(self) -> int:
        """Training steps done so far (the generator optimiser counts one per step)."""
        return int(keras.ops.convert_to_numpy(self.g_optimizer.iterations))

    def player_weights(self) -> dict[str, np.ndarray]:
        """Copies of the players' weights (and the moving average's), keyed by player and index."""
        models = {"generator": self.generator, "discriminator": self.discriminator}
        if self.ema_generator is not None:
            models["ema_generator"] = self.ema_generator
        return {f"{name}/{i}": np.array(w) for name, model in models.items() for i, w in enumerate(model.get_weights())}

    def _state_variables(self) -> dict[str, Any]:
        return checkpoints.state_variables(self)

    def save_state(self, path: str | os.PathLike) -> None:
        """Save the full state, for a bit-for-bit resume; see ``gan_lib.checkpoints.save_state``."""
        checkpoints.save_state(self, path)

    def load_state(self, path: str | os.PathLike) -> int:
        """Restore a state written by ``save_state``; returns the number of steps the saved run had
        done. See ``gan_lib.checkpoints.load_state``."""
        return checkpoints.load_state(self, path)

    def restore_last_good_weights(self) -> int:
        """Put back the last finite weights kept by the divergence guard; returns their step."""
        if self.guard is None:
            raise ValueError(divergence.NOTHING_KEPT)
        return self.guard.restore()


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


def _loss_scaled(optimizer: keras.optimizers.Optimizer, loss: tf.Tensor) -> tf.Tensor:
    """The loss to differentiate for ``optimizer``: scaled up when it is a loss-scale optimiser
    (mixed_float16), which divides the gradients by the same factor before applying them."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.scale_loss(loss)
    return loss


def _input_size(model: keras.Model) -> int | None:
    """The last dimension of a model's input, when the model declares one."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list):
        return None
    return shape[-1] if shape else None


def _output_shape(model: keras.Model) -> tuple | None:
    """A model's output shape (batch dimension first), when the model declares a single one."""
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return None
    return None if isinstance(shape, list) or not shape else tuple(shape)


def _output_size(model: keras.Model) -> int | None:
    """The last dimension of a model's output, when the model declares one."""
    shape = _output_shape(model)
    return shape[-1] if shape else None


def _unit_interval(value: object, name: str) -> float:
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
        _unit_interval(value, name)
    return (
        keras.optimizers.Adam(d_learning_rate, beta_1=beta_1, beta_2=beta_2),
        keras.optimizers.Adam(g_learning_rate, beta_1=beta_1, beta_2=beta_2),
    )
