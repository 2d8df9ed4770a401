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

from gan_lib._checks import positive_float, positive_int, real_tensor

Critic = Callable[[tf.Tensor], tf.Tensor]


def _critic(discriminator: object) -> Critic:
    if not callable(discriminator):
        raise ValueError(f"discriminator must be a callable (a model), got {type(discriminator).__name__}")
    return discriminator


def _batch(points: object, name: str) -> tf.Tensor:
    """``points`` as a float32 tensor of rank >= 1 whose batch is not statically empty."""
    points = tf.cast(real_tensor(points, name), tf.float32)
    if points.shape.rank == 0:
        raise ValueError(f"{name} must be a batch (rank >= 1), got a scalar")
    if points.shape.rank is not None and points.shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(points.shape)}")
    return points


def _model(model: object, name: str = "model") -> keras.Model:
    if not hasattr(model, "trainable_variables"):
        raise ValueError(f"{name} must be a Keras model or layer, got {type(model).__name__}")
    return model


def _variables(variables: object, name: str, *, assignable: bool = True) -> list:
    """``variables`` as a list; each item must be a variable (or, unless ``assignable``, have a shape)."""
    if isinstance(variables, (str, bytes)) or not hasattr(variables, "__iter__"):
        raise ValueError(f"{name} must be a list of variables, got {type(variables).__name__}")
    variables = list(variables)
    for variable in variables:
        if not hasattr(variable, "assign" if assignable else "shape"):
            raise ValueError(f"{name} must hold variables, got an item of type {type(variable).__name__}")
    return variables


def squared_gradient_norms(discriminator: Critic, points: tf.Tensor) -> tf.Tensor:
    """||grad_x D(x)||^2 for every point x in the batch; shape (batch,).

    The gradient of the *sum* of the logits gives every sample its own gradient, since a
    sample's logit depends on no other sample (true for the models here: no batch norm).
    """
    discriminator = _critic(discriminator)
    points = _batch(points, "points")
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
    gamma = positive_float(gamma, "gamma", allow_zero=True)
    return 0.5 * gamma * tf.reduce_mean(squared_gradient_norms(discriminator, points))


def interpolation_shape(real: tf.Tensor) -> tf.Tensor:
    """Shape (batch, 1, ..., 1) of the interpolation weights: one per sample, broadcast over its features."""
    real = _batch(real, "real")
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
    discriminator = _critic(discriminator)
    weight = positive_float(weight, "weight", allow_zero=True)
    real, fake = _batch(real, "real"), _batch(fake, "fake")
    if not real.shape.is_compatible_with(fake.shape):
        raise ValueError(f"real and fake must have the same shape, got {real.shape} and {fake.shape}")
    if isinstance(seed, bool) or not (seed is None or isinstance(seed, (int, keras.random.SeedGenerator))):
        raise ValueError(f"seed must be None, an integer or a keras.random.SeedGenerator, got {seed!r}")
    if eps is not None:
        eps = tf.cast(real_tensor(eps, "eps"), tf.float32)
        if eps.shape.rank is not None and real.shape.rank is not None and eps.shape.rank != real.shape.rank:
            raise ValueError(f"eps must have the shape interpolation_shape(real), got {eps.shape} for {real.shape}")
    if eps is None:
        eps = keras.random.uniform(interpolation_shape(real), seed=seed)
    between = eps * real + (1.0 - eps) * fake
    norms = tf.sqrt(squared_gradient_norms(discriminator, between) + 1e-12)  # + tiny: sqrt has no gradient at 0
    return weight * tf.reduce_mean(tf.square(norms - 1.0))


def clip_weights(variables: Sequence[tf.Variable], bound: float) -> None:
    """Clip every entry of every variable into [-bound, bound] in place (the WGAN critic)."""
    bound = positive_float(bound, "bound")
    for variable in _variables(variables, "variables"):
        variable.assign(tf.clip_by_value(variable, -bound, bound))


def decayed_variables(model: keras.Model) -> list[tf.Variable]:
    """The variables weight decay acts on: the trainable kernels (rank >= 2), not the biases."""
    return [v for v in _model(model).trainable_variables if len(v.shape) >= 2]


def weight_decay(model: keras.Model, l1: float = 0.0, l2: float = 0.0) -> tf.Tensor:
    """l1 * sum|w| + l2 * sum w^2 over the model's kernels (Keras' regulariser convention:
    no factor 1/2, so the L2 gradient is 2 * l2 * w)."""
    l1 = positive_float(l1, "l1", allow_zero=True)
    l2 = positive_float(l2, "l2", allow_zero=True)
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
    smoothing = positive_float(smoothing, "smoothing", allow_zero=True)
    if smoothing >= 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    real_logits = tf.cast(real_tensor(real_logits, "real_logits", floating=True), tf.float32)
    fake_logits = tf.cast(real_tensor(fake_logits, "fake_logits", floating=True), tf.float32)
    real_term = (1.0 - smoothing) * tf.nn.softplus(-real_logits) + smoothing * tf.nn.softplus(real_logits)
    return tf.reduce_mean(real_term) + tf.reduce_mean(tf.nn.softplus(fake_logits))


def instance_noise_std(step: tf.Tensor | int, sigma: float, anneal_steps: int | None) -> tf.Tensor:
    """The instance-noise std at training step ``step`` (counted from 0).

    With ``anneal_steps`` None the std stays ``sigma``; otherwise it falls linearly,
    sigma * max(0, 1 - step / anneal_steps), and is 0 from step ``anneal_steps`` on.
    """
    sigma = positive_float(sigma, "sigma", allow_zero=True)
    if isinstance(step, (bool, str, bytes)) or step is None:
        raise ValueError(f"step must be an integer or an integer tensor, got {step!r}")
    step = real_tensor(step, "step")
    if anneal_steps is None:
        return tf.constant(sigma, tf.float32)
    anneal_steps = positive_int(anneal_steps, "anneal_steps")
    fraction = tf.cast(step, tf.float32) / float(anneal_steps)
    return sigma * tf.maximum(0.0, 1.0 - fraction)


def pack(samples: tf.Tensor, m: int) -> tf.Tensor:
    """PacGAN packing (Lin et al. 2018): m consecutive samples become one input of D.

    A batch of shape (n, ..., c) becomes (n // m, ..., m * c): the samples are
    concatenated along the last axis (features for vectors, channels for images).
    The last n mod m samples are dropped.
    """
    m = positive_int(m, "m")
    if m == 1:
        return samples
    samples = real_tensor(samples, "samples")
    if samples.shape.rank == 0:
        raise ValueError("samples must be a batch (rank >= 1), got a scalar")
    if samples.shape.rank is not None and samples.shape[0] is not None and samples.shape[0] < m:
        raise ValueError(f"samples must have at least m={m} rows to pack, got {samples.shape[0]}")
    shape = tf.shape(samples)
    groups = shape[0] // m
    grouped = tf.reshape(samples[: groups * m], tf.concat([[groups, m], shape[1:]], axis=0))
    return tf.concat([grouped[:, i] for i in range(m)], axis=-1)


def ema_update(averages: Sequence[tf.Variable], weights: Sequence[tf.Variable], decay: float) -> None:
    """One step of an exponential moving average: average <- decay * average + (1 - decay) * weight."""
    decay = positive_float(decay, "decay", allow_zero=True)
    if decay > 1.0:
        raise ValueError(f"decay must be in [0, 1], got {decay!r}")
    averages, weights = _variables(averages, "averages"), _variables(weights, "weights", assignable=False)
    if len(averages) != len(weights):
        raise ValueError(f"averages and weights must have the same length, got {len(averages)} and {len(weights)}")
    for i, (average, weight) in enumerate(zip(averages, weights)):
        if tuple(average.shape) != tuple(weight.shape):
            shapes = f"{tuple(average.shape)} and {tuple(weight.shape)}"
            raise ValueError(f"averages[{i}] and weights[{i}] must have the same shape, got {shapes}")
    for average, weight in zip(averages, weights, strict=True):
        average.assign(decay * average + (1.0 - decay) * weight)
