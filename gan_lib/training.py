"""The GAN training model: the one place where a training step lives.

``GAN`` follows the Keras idiom for custom training: a ``keras.Model`` subclass
with its own ``compile`` and ``train_step``, so ``fit()`` brings progress bars,
callbacks and history for free.  One call of ``train_step``:

1. draws fresh noise and takes one discriminator step on the real batch and a fake batch;
2. draws fresh noise again and takes one generator step through the updated discriminator;
3. updates the trackers (losses and the mean of D on real and fake points).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_lib import losses
from gan_lib._checks import positive_int


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
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        loss: str | losses.AdversarialLoss = "non_saturating",
        **kwargs: Any,
    ) -> None:
        """Choose the optimisers and the adversarial loss (a name from ``gan_lib.losses.NAMES``).

        Each player needs its own optimiser: an optimiser keeps per-variable state
        (Adam's moments), so one shared instance would mix the two players' statistics.
        The default for both is Adam(2e-4, beta_1=0.5), the DCGAN setting.
        """
        super().compile(**kwargs)
        d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        for name, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise ValueError(f"{name} must be a keras optimizer, got {type(optimizer).__name__}")
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two separate optimizer instances")
        self.adversarial_loss = losses.get(loss)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Build the optimiser state now, outside any tf.function, so tracing creates no variables.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def fit(self, *args: Any, shuffle: bool = False, **kwargs: Any) -> keras.callbacks.History:
        """Keras' ``fit``. Shuffling is left to the dataset (``gan_lib.data.as_dataset`` reshuffles
        every pass), so the default here is ``shuffle=False``, which Keras would ignore anyway."""
        return super().fit(*args, shuffle=shuffle, **kwargs)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        # Listed here so that Keras resets them at the start of every epoch.
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, noise: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Generated samples for a batch of noise."""
        return self.generator(noise, training=training)

    def _noise(self, batch_size: tf.Tensor) -> tf.Tensor:
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def discriminator_step(self, real: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """One discriminator update on ``real`` and as many fresh fakes.

        Returns the discriminator loss and the logits on the real and the fake batch.
        The fakes are made outside the tape, so no gradient reaches the generator.
        """
        fake = self.generator(self._noise(tf.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        d_variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_variables), d_variables))
        return d_loss, real_logits, fake_logits

    def generator_step(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """One generator update on fresh noise, through the current discriminator; returns its loss."""
        with tf.GradientTape() as tape:
            g_logits = self.discriminator(self.generator(self._noise(batch_size), training=True), training=True)
            g_loss = self.adversarial_loss.generator(g_logits)
        g_variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_variables), g_variables))
        return g_loss

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        real = data[0] if isinstance(data, (tuple, list)) else data
        d_loss, real_logits, fake_logits = self.discriminator_step(real)
        # The generator step sees the discriminator just updated.
        g_loss = self.generator_step(tf.shape(real)[0])
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(tf.sigmoid(real_logits))
        self.d_fake_tracker.update_state(tf.sigmoid(fake_logits))
        return {metric.name: metric.result() for metric in self.metrics}

    def sample(self, n: int, seed: int | None = None, *, batch_size: int = 8192) -> np.ndarray:
        """``n`` generator samples as a numpy array; the same ``seed`` gives the same noise."""
        n = positive_int(n, "n")
        noise = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        parts = [
            keras.ops.convert_to_numpy(self.generator(noise[start : start + batch_size], training=False))
            for start in range(0, n, batch_size)
        ]
        return np.concatenate(parts, axis=0)


class Snapshots(keras.callbacks.Callback):
    """Records generator samples from one fixed noise batch at the end of every epoch.

    After ``fit``, ``steps[i]`` is the number of training steps done when
    ``samples[i]`` was drawn.  The first entry is the untrained generator.
    """

    def __init__(self, n: int = 1000, *, seed: int = 0) -> None:
        super().__init__()
        self.n = positive_int(n, "n")
        self.seed = seed
        self.steps: list[int] = []
        self.samples: list[np.ndarray] = []

    def _record(self) -> None:
        # The generator optimiser counts the training steps done, across calls of fit.
        self.steps.append(int(self.model.g_optimizer.iterations))
        self.samples.append(self.model.sample(self.n, seed=self.seed))

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self.steps:
            self._record()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._record()


def _input_size(model: keras.Model) -> int | None:
    """The last dimension of a model's input, when the model declares one."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list):
        return None
    return shape[-1] if shape else None
