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

Besides ``fit``, ``train_rounds`` takes rounds of k discriminator steps then m generator steps,
either count 0 included: the one loop of the interactive games (``gan_lib.widgets``).

The modules below this one hold the rest, and its public names stay importable from here:
``gan_lib.fitting`` (``GuardedFit``, the Keras model ``GAN`` subclasses: how ``fit`` runs the
step), ``gan_lib.training_parts`` (optimisers, ``adam_pair``, shape checks, ``Snapshots``),
``gan_lib.rounds`` (``train_rounds``' loop), ``gan_lib.divergence`` (the divergence guard, held as
``gan.guard``) and ``gan_lib.checkpoints`` (``save_state``, ``load_state``, ``Checkpoint``).
"""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_lib import checkpoints, divergence, losses, regularizers
from gan_lib._checks import flag, positive_int
from gan_lib._checks import seed as check_seed

# Re-exported: these lived here before they got their own modules.
from gan_lib.checkpoints import Checkpoint as Checkpoint
from gan_lib.divergence import DivergenceError as DivergenceError
from gan_lib.divergence import DivergenceGuard as DivergenceGuard
from gan_lib.fitting import GuardedFit
from gan_lib.rounds import RoundsFunction
from gan_lib.training_parts import Snapshots as Snapshots
from gan_lib.training_parts import adam_pair as adam_pair
from gan_lib.training_parts import (
    checked_tricks,
    default_optimizers,
    for_gradient,
    input_size,
    loss_scale_optimizers,
    loss_scaled,
    replica_random,
    set_learning_rates,
)


class GAN(GuardedFit):
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
        expected = input_size(generator)
        if expected is not None and expected != self.latent_dim:
            raise ValueError(f"latent_dim is {self.latent_dim} but the generator takes inputs of size {expected}")
        self.generator = generator
        self.discriminator = discriminator
        self._seed = check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self._seed)
        self._batches: tf.random.Generator | None = None  # train_rounds' own real-batch sampler, made on first use
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
        rates, e.g. ``compile(*gan_lib.training.adam_pair(4e-4, 1e-4))``; ``set_learning_rates``
        changes them later.

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
        super().compile(**kwargs)  # Keras' keywords (gan_lib.fitting); steps_per_execution None: fit chooses
        self._rounds: RoundsFunction | None = None  # traced anew: the loss and tricks are in its graph
        d_optimizer, g_optimizer = default_optimizers(d_optimizer, g_optimizer)
        self.adversarial_loss = losses.get(loss)
        # The tricks, checked, become attributes of the same names (self.r1, ..., self.trackers).
        tricks = checked_tricks(self.generator, self.discriminator, self.adversarial_loss, locals())
        for name, value in tricks.items():
            setattr(self, name, value)
        if self.ema:
            # A separate copy of the generator holds the average; the raw generator keeps training.
            self.ema_generator = keras.models.clone_model(self.generator)
            self.ema_generator.set_weights(self.generator.get_weights())
        else:
            self.ema_generator = None
        self.d_optimizer, self.g_optimizer = loss_scale_optimizers(d_optimizer, g_optimizer)  # mixed_float16 only
        # Build the optimiser state now, outside any tf.function, so tracing creates no variables.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        # The divergence guard (gan_lib.divergence): the last finite weights and the first bad step.
        self.guard = divergence.Guard(
            self._player_variables, lambda: self.g_optimizer.iterations, self.distribute_strategy
        )

    def _player_variables(self) -> dict[str, Any]:
        """The players' weight variables (and the moving average's), keyed by player and index."""
        models = {"generator": self.generator, "discriminator": self.discriminator}
        if self.ema_generator is not None:
            models["ema_generator"] = self.ema_generator
        return {f"{name}/{i}": w for name, model in models.items() for i, w in enumerate(model.weights)}

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        # Listed here so that Keras resets them at the start of every epoch.
        if not getattr(self, "trackers", True):
            return []
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, noise: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Generated samples for a batch of noise."""
        return self.generator(noise, training=training)

    def _noise(self, batch_size: tf.Tensor) -> tf.Tensor:
        def draw(shape: Any) -> tf.Tensor:
            return keras.random.normal(shape, seed=self.seed_generator)

        return replica_random(draw, tf.stack([tf.cast(batch_size, tf.int32), self.latent_dim]))

    def instance_noise_std(self) -> tf.Tensor:
        """The current instance-noise std; the schedule counts generator steps (training steps)."""
        return regularizers.instance_noise_std(
            self.g_optimizer.iterations, self.instance_noise, self.instance_noise_steps
        )

    def _discriminator_input(self, samples: tf.Tensor) -> tf.Tensor:
        """What D sees of a batch: instance noise first, then packing; unchanged by default."""
        if self.instance_noise:
            noise = replica_random(
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
                eps = replica_random(
                    lambda shape: keras.random.uniform(shape, seed=self.seed_generator),
                    regularizers.interpolation_shape(real),
                )
                d_loss += regularizers.interpolated_penalty(critic, real, fake, self.gradient_penalty, eps=eps)
            if self.d_l1 or self.d_l2:
                d_loss += regularizers.weight_decay(self.discriminator, self.d_l1, self.d_l2)
            scaled_loss = loss_scaled(self.d_optimizer, for_gradient(d_loss))
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
            scaled_loss = loss_scaled(self.g_optimizer, for_gradient(g_loss))
        g_variables = self.generator.trainable_variables
        g_gradients = tape.gradient(scaled_loss, g_variables)
        self.g_optimizer.apply_gradients(zip(g_gradients, g_variables))
        if self.ema:
            regularizers.ema_update(self.ema_generator.weights, self.generator.weights, self.ema)
        return g_loss

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        real = data[0] if isinstance(data, (tuple, list)) else data
        if getattr(self, "_guarding", False):  # set by fit (gan_lib.fitting)
            self.guard.before_step()
        for _ in range(self.d_steps):
            d_loss, real_logits, fake_logits = self.discriminator_step(real)
        # The generator step sees the discriminator just updated.
        g_loss = self.generator_step(tf.shape(real)[0])
        if getattr(self, "_guarding", False):
            self.guard.after_step(d_loss, g_loss)
        if not self.trackers:
            return {"d_loss": d_loss, "g_loss": g_loss}
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(tf.sigmoid(real_logits))
        self.d_fake_tracker.update_state(tf.sigmoid(fake_logits))
        return {metric.name: metric.result() for metric in self.metrics}

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

    # --- Training by hand: rounds of single-player steps (the interactive games of gan_lib.widgets) ---

    def train_rounds(
        self,
        real: Any,
        rounds: int,
        d_steps_per_round: int | None = None,
        g_steps_per_round: int = 1,
        *,
        batch_size: int,
        batches: tf.random.Generator | None = None,
        rows: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``rounds`` rounds, each ``d_steps_per_round`` discriminator steps (default: compile's
        ``d_steps``) then ``g_steps_per_round`` generator steps, in one graph call; either count may
        be 0, which freezes that player.  Returns (d_losses, g_losses), float32 arrays of one value per
        round: the round's last loss of that player, NaN where it took no step.

        Each discriminator step takes ``batch_size`` rows of ``real`` (shape (n, ...)) at random, drawn
        from ``batches``, a ``tf.random.Generator`` (default: the GAN's own, seeded from the GAN's
        seed, or from Keras' global seed when it has none); or, given ``rows`` (integers, shape (rounds,
        d_steps_per_round, batch_size)), exactly those rows.  Each generator step draws ``batch_size``
        fresh noise vectors.  The loop is traced once per ``compile`` (see ``gan_lib.rounds``); no
        divergence guard runs here.
        """
        if not hasattr(self, "d_optimizer"):
            raise ValueError("compile the GAN before train_rounds")
        if self._rounds is None:
            self._rounds = RoundsFunction(self)
        if batches is None and rows is None:
            if self._batches is None:
                seed = self._seed if self._seed is not None else int(keras.random.randint((), 0, 2**31 - 1))
                self._batches = tf.random.Generator.from_seed(seed)
            batches = self._batches
        d_steps_per_round = self.d_steps if d_steps_per_round is None else d_steps_per_round
        return self._rounds(
            real, rounds, d_steps_per_round, g_steps_per_round, batch_size=batch_size, batches=batches, rows=rows
        )

    def set_learning_rates(self, d_learning_rate: float | None = None, g_learning_rate: float | None = None) -> None:
        """Change the players' learning rates (None: unchanged), keeping the optimisers' state and
        the traced training functions; refused for an optimiser whose rate is a schedule."""
        if not hasattr(self, "d_optimizer"):
            raise ValueError("compile the GAN before set_learning_rates")
        set_learning_rates(self.d_optimizer, self.g_optimizer, d_learning_rate, g_learning_rate)

    # --- State: what a checkpoint holds, and the weights the divergence guard keeps ---------------------

    def steps_done(self) -> int:
        """Training steps done so far (the generator optimiser counts one per step)."""
        return int(keras.ops.convert_to_numpy(self.g_optimizer.iterations))

    def player_weights(self) -> dict[str, np.ndarray]:
        """Copies of the players' weights (and the moving average's), keyed by player and index."""
        return {name: np.array(keras.ops.convert_to_numpy(w)) for name, w in self._player_variables().items()}

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
