"""Adversarial losses, computed from discriminator logits.

Every loss is a pair of functions that are both *minimised*:
``discriminator(real_logits, fake_logits)`` and ``generator(fake_logits)``.
With D(x) = sigmoid(l), log D = -softplus(-l) and log(1 - D) = -softplus(l), so the
cross-entropy losses are written with softplus: finite for any finite logit, with
gradients that never become NaN (the log of a sigmoid underflows at l = -100).

| name             | discriminator minimises                | generator minimises      |
|------------------|----------------------------------------|--------------------------|
| minimax          | -E[log D(x)] - E[log(1 - D(G(z)))]     | E[log(1 - D(G(z)))]      |
| non_saturating   | -E[log D(x)] - E[log(1 - D(G(z)))]     | -E[log D(G(z))]          |
| wasserstein      | E[f(G(z))] - E[f(x)]                   | -E[f(G(z))]              |
| hinge            | E[relu(1 - f(x))] + E[relu(1 + f(G(z)))]| -E[f(G(z))]             |
| least_squares    | E[(f(x) - 1)^2]/2 + E[f(G(z))^2]/2     | E[(f(G(z)) - 1)^2]/2     |

Here f is the raw discriminator (critic) output, the logit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import tensorflow as tf

from gan_lib._checks import real_tensor

LossFn = Callable[..., tf.Tensor]


@dataclass(frozen=True)
class AdversarialLoss:
    """A named pair of losses, both minimised.

    ``cross_entropy`` says that the discriminator's loss is the binary cross-entropy of D =
    sigmoid(logit), so the logit is a log-odds and sigmoid(logit) a probability (what label
    smoothing and a plot of D(x) need); for the other losses the logit is a raw critic value.
    """

    name: str
    discriminator: LossFn
    generator: LossFn
    cross_entropy: bool = False


def _mean(x: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.cast(x, tf.float32))


def _logits(logits, name: str) -> tf.Tensor:
    """``logits`` as a float tensor; a rank-1 or higher one must not have a (static) batch of 0."""
    logits = real_tensor(logits, name, floating=True)
    if logits.shape.rank and logits.shape[0] == 0:  # the mean of nothing is NaN
        raise ValueError(f"{name} must not be empty, got shape {tuple(logits.shape)}")
    return logits


def _logit_pair(real_logits, fake_logits) -> tuple[tf.Tensor, tf.Tensor]:
    """Both batches of logits, checked; their shapes may differ only in the batch size."""
    real_logits, fake_logits = _logits(real_logits, "real_logits"), _logits(fake_logits, "fake_logits")
    real_shape, fake_shape = real_logits.shape, fake_logits.shape
    if real_shape.rank is not None and fake_shape.rank is not None:
        if real_shape.rank != fake_shape.rank or not real_shape[1:].is_compatible_with(fake_shape[1:]):
            raise ValueError(
                f"real_logits and fake_logits must have the same shape but for the batch size, "
                f"got {real_shape} and {fake_shape}"
            )
    return real_logits, fake_logits


def _cross_entropy_discriminator(real_logits, fake_logits) -> tf.Tensor:
    real_logits, fake_logits = _logit_pair(real_logits, fake_logits)
    # -log D(x) = softplus(-l_real);  -log(1 - D(G(z))) = softplus(l_fake)
    return _mean(tf.nn.softplus(-real_logits)) + _mean(tf.nn.softplus(fake_logits))


def _minimax_generator(fake_logits) -> tf.Tensor:
    fake_logits = _logits(fake_logits, "fake_logits")
    # log(1 - D(G(z))) = -softplus(l_fake): saturates (flat) when D rejects fakes confidently.
    return -_mean(tf.nn.softplus(fake_logits))


def _non_saturating_generator(fake_logits) -> tf.Tensor:
    fake_logits = _logits(fake_logits, "fake_logits")
    # -log D(G(z)) = softplus(-l_fake): steep exactly where the minimax loss is flat.
    return _mean(tf.nn.softplus(-fake_logits))


def _wasserstein_discriminator(real_logits, fake_logits) -> tf.Tensor:
    real_logits, fake_logits = _logit_pair(real_logits, fake_logits)
    return _mean(fake_logits) - _mean(real_logits)


def _critic_generator(fake_logits) -> tf.Tensor:
    fake_logits = _logits(fake_logits, "fake_logits")
    return -_mean(fake_logits)


def _hinge_discriminator(real_logits, fake_logits) -> tf.Tensor:
    real_logits, fake_logits = _logit_pair(real_logits, fake_logits)
    return _mean(tf.nn.relu(1.0 - real_logits)) + _mean(tf.nn.relu(1.0 + fake_logits))


def _least_squares_discriminator(real_logits, fake_logits) -> tf.Tensor:
    real_logits, fake_logits = _logit_pair(real_logits, fake_logits)
    return 0.5 * _mean(tf.square(real_logits - 1.0)) + 0.5 * _mean(tf.square(fake_logits))


def _least_squares_generator(fake_logits) -> tf.Tensor:
    fake_logits = _logits(fake_logits, "fake_logits")
    return 0.5 * _mean(tf.square(fake_logits - 1.0))


_LOSSES = {
    loss.name: loss
    for loss in (
        AdversarialLoss("minimax", _cross_entropy_discriminator, _minimax_generator, cross_entropy=True),
        AdversarialLoss("non_saturating", _cross_entropy_discriminator, _non_saturating_generator, cross_entropy=True),
        AdversarialLoss("wasserstein", _wasserstein_discriminator, _critic_generator),
        AdversarialLoss("hinge", _hinge_discriminator, _critic_generator),
        AdversarialLoss("least_squares", _least_squares_discriminator, _least_squares_generator),
    )
}

NAMES = tuple(_LOSSES)
# The names of the cross-entropy losses (those with ``cross_entropy`` set): minimax and non_saturating.
CROSS_ENTROPY = tuple(name for name, loss in _LOSSES.items() if loss.cross_entropy)


def get(name: str | AdversarialLoss) -> AdversarialLoss:
    """The loss called ``name`` (one of ``NAMES``); an AdversarialLoss is returned as is."""
    if isinstance(name, AdversarialLoss):
        return name
    if not isinstance(name, str):
        raise ValueError(f"name must be a loss name (one of {', '.join(NAMES)}) or an AdversarialLoss, got {name!r}")
    if name not in _LOSSES:
        raise ValueError(f"loss must be one of {', '.join(NAMES)}; got name={name!r}")
    return _LOSSES[name]


def generator_gradient_norm(generator, discriminator, noise, loss: str | AdversarialLoss = "non_saturating") -> float:
    """How hard ``loss`` pushes the generator: the global norm of the gradient of its generator
    term with respect to the generator's trainable weights, on one batch of ``noise``, with the
    discriminator held as it is (both networks called in inference mode).

    ``generator`` and ``discriminator`` are Keras models; ``loss`` is a name of ``NAMES`` or an
    ``AdversarialLoss``.
    """
    chosen = get(loss)
    noise = real_tensor(noise, "noise")
    with tf.GradientTape() as tape:
        value = chosen.generator(discriminator(generator(noise)))
    gradients = tape.gradient(value, generator.trainable_variables)
    if not generator.trainable_variables or any(g is None for g in gradients):
        raise ValueError("the generator has no trainable weights that the loss depends on")
    return float(tf.linalg.global_norm(gradients))
