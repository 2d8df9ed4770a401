"""Penalties and tricks that the training step in ``gan_lib.training`` applies.

Every function here is small and works on tensors, so each can be checked by hand on a
tiny network.  ``GAN.compile`` turns them on by keyword; with the defaults none runs.

| trick                  | function                   | what it does                                              |
|------------------------|----------------------------|-----------------------------------------------------------|
| R1 / R2                | ``zero_centered_penalty``  | gamma/2 * E||grad_x D(x)||^2 on real (R1) or fake (R2) x  |
| WGAN-GP                | ``interpolated_penalty``   | lambda * E(||grad D(x_hat)|| - 1)^2 between real and fake |
| weight clipping        | ``clip_weights``           | every weight of the critic into [-c, c] after its update  |
| L1 / L2 weight decay   | ``weight_decay``           | l1 * sum|w| + l2 * sum w^2 over the kernels               |
| label smoothing        | ``smoothed_cross_entropy`` | real target 1 - alpha in the discriminator's loss         |
| instance noise         | ``instance_noise_std``     | the std of Gaussian noise on D's inputs, annealed to 0    |
| packing (PacGAN)       | ``pack``                   | m samples concatenated into one input of D                |
| generator EMA          | ``ema_update``             | average <- decay * average + (1 - decay) * weight         |

Spectral normalisation is a property of the discriminator
(``gan_lib.models.mlp_discriminator(..., spectral_norm=True)``); TTUR is two optimisers
with different learning rates (``gan_lib.training.adam_pair``); several discriminator
steps per generator step is ``GAN.compile(d_steps=...)``.

D is always the raw discriminator output, the logit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

Critic = Callable[[tf.Tensor], tf.Tensor]


def squared_gradient_norms(discriminator: Critic, points: tf.Tensor) -> tf.Tensor:
    """||grad_x D(x)||^2 for every point x in the batch; shape (batch,).

    The gradient of the *sum* of the logits gives every sample its own gradient, since a
    sample's logit depends on no other sample (true for the models here: no batch norm).
    """
    points = tf.convert_to_tensor(points, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(points)
        total = tf.reduce_sum(discriminator(points))  # inside the tape, or it is not recorded
    gradients = tape.gradient(total, points)
    return tf.reduce_sum(tf.reshape(tf.square(gradients), (tf.shape(points)[0], -1)), axis=1)


def zero_centered_penalty(discriminator: Critic, points: tf.Tensor, gamma: float) -> tf.Tensor:
    """gamma/2 * E||grad_x D(x)||^2 over ``points`` (Mescheder et al. 2018).

    On real data this is R1, on generated data R2.  For a linear D(x) = w.x + b the
    gradient is w everywhere, so the penalty is gamma/2 * ||w||^2 exactly.
    """
    return 0.5 * gamma * tf.reduce_mean(squared_gradient_norms(discriminator, points))


def interpolation_shape(real: tf.Tensor) -> tf.Tensor:
    """Shape (batch, 1, ..., 1) of the interpolation weights: one per sample, broadcast over its features."""
    real = tf.convert_to_tensor(real)
    return tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)


def interpolated_penalty(
    discriminator: Critic,
    real: tf.Tensor,
    fake: tf.Tensor,
    weight: float,
    *,
    seed: keras.random.SeedGenerator | None = None,
    eps: tf.Tensor | None = None,
) -> tf.Tensor:
    """The WGAN-GP penalty: weight * E(||grad D(x_hat)|| - 1)^2 (Gulrajani et al. 2017).

    x_hat = eps * real + (1 - eps) * fake with one eps ~ U[0, 1] per sample, so the
    penalty is taken on the lines between real and generated points.  ``real`` and
    ``fake`` must have the same shape.  ``eps`` (of ``interpolation_shape(real)``) is drawn
    from ``seed`` unless given.
    """
    real = tf.convert_to_tensor(real, tf.float32)
    fake = tf.convert_to_tensor(fake, tf.float32)
    if eps is None:
        eps = keras.random.uniform(interpolation_shape(real), seed=seed)
    between = eps * real + (1.0 - eps) * fake
    norms = tf.sqrt(squared_gradient_norms(discriminator, between) + 1e-12)  # + tiny: sqrt has no gradient at 0
    return weight * tf.reduce_mean(tf.square(norms - 1.0))


def clip_weights(variables: Sequence[tf.Variable], bound: float) -> None:
    """Clip every entry of every variable into [-bound, bound] in place (the WGAN critic)."""
    for variable in variables:
        variable.assign(tf.clip_by_value(variable, -bound, bound))


def decayed_variables(model: keras.Model) -> list[tf.Variable]:
    """The variables weight decay acts on: the trainable kernels (rank >= 2), not the biases."""
    return [v for v in model.trainable_variables if len(v.shape) >= 2]


def weight_decay(model: keras.Model, l1: float = 0.0, l2: float = 0.0) -> tf.Tensor:
    """l1 * sum|w| + l2 * sum w^2 over the model's kernels (Keras' regulariser convention:
    no factor 1/2, so the L2 gradient is 2 * l2 * w)."""
    total = tf.constant(0.0)
    for variable in decayed_variables(model):
        if l1:
            total += l1 * tf.reduce_sum(tf.abs(variable))
        if l2:
            total += l2 * tf.reduce_sum(tf.square(variable))
    return total


def smoothed_cross_entropy(real_logits: tf.Tensor, fake_logits: tf.Tensor, smoothing: float) -> tf.Tensor:
    """The discriminator's cross-entropy with one-sided label smoothing (Salimans et al. 2016).

    The real target is 1 - smoothing, the fake target stays 0: with a fake target
    beta > 0 the optimal D would equal beta wherever there is no data, a flat region that
    gives fakes there no push toward the data.  The loss is
    (1 - a) * softplus(-l_real) + a * softplus(l_real) averaged, plus softplus(l_fake) averaged.
    With smoothing = 0 this is the plain cross-entropy of ``gan_lib.losses``.
    """
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    real_term = (1.0 - smoothing) * tf.nn.softplus(-real_logits) + smoothing * tf.nn.softplus(real_logits)
    return tf.reduce_mean(real_term) + tf.reduce_mean(tf.nn.softplus(fake_logits))


def instance_noise_std(step: tf.Tensor | int, sigma: float, anneal_steps: int | None) -> tf.Tensor:
    """The instance-noise std at training step ``step`` (counted from 0).

    With ``anneal_steps`` None the std stays ``sigma``; otherwise it falls linearly,
    sigma * max(0, 1 - step / anneal_steps), and is 0 from step ``anneal_steps`` on.
    """
    if anneal_steps is None:
        return tf.constant(sigma, tf.float32)
    fraction = tf.cast(step, tf.float32) / float(anneal_steps)
    return sigma * tf.maximum(0.0, 1.0 - fraction)


def pack(samples: tf.Tensor, m: int) -> tf.Tensor:
    """PacGAN packing (Lin et al. 2018): m consecutive samples become one input of D.

    A batch of shape (n, ..., c) becomes (n // m, ..., m * c): the samples are
    concatenated along the last axis (features for vectors, channels for images).
    The last n mod m samples are dropped.
    """
    if m == 1:
        return samples
    shape = tf.shape(samples)
    groups = shape[0] // m
    grouped = tf.reshape(samples[: groups * m], tf.concat([[groups, m], shape[1:]], axis=0))
    return tf.concat([grouped[:, i] for i in range(m)], axis=-1)


def ema_update(averages: Sequence[tf.Variable], weights: Sequence[tf.Variable], decay: float) -> None:
    """One step of an exponential moving average: average <- decay * average + (1 - decay) * weight."""
    for average, weight in zip(averages, weights, strict=True):
        average.assign(decay * average + (1.0 - decay) * weight)
