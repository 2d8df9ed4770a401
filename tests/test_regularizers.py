"""The tricks of gan_lib.regularizers, each against a hand computation on a tiny network."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_lib import regularizers


def linear_critic(w, b=0.0):
    """D(x) = w.x + b as a Keras model; its input gradient is w everywhere."""
    model = keras.Sequential([keras.Input((len(w),)), keras.layers.Dense(1)])
    model.set_weights([np.reshape(np.asarray(w, np.float32), (-1, 1)), np.array([b], np.float32)])
    return model


def quadratic_critic(x):
    """D(x) = ||x||^2 / 2, whose input gradient is x itself."""
    return 0.5 * tf.reduce_sum(tf.square(x), axis=1, keepdims=True)


def softplus(t):
    return math.log1p(math.exp(t))


def test_zero_centered_penalty_of_a_linear_critic_is_gamma_half_w_squared_with_gradient_gamma_w():
    w, gamma = np.array([3.0, -4.0], np.float32), 0.7
    critic = linear_critic(w, b=1.5)
    points = np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32)
    with tf.GradientTape() as tape:
        penalty = regularizers.zero_centered_penalty(critic, points, gamma)
    kernel_grad, bias_grad = tape.gradient(penalty, critic.trainable_variables)
    assert float(penalty) == pytest.approx(gamma / 2 * 25.0, rel=1e-6)
    np.testing.assert_allclose(kernel_grad.numpy().ravel(), gamma * w, rtol=1e-6)
    assert bias_grad is None or np.all(bias_grad.numpy() == 0)  # the penalty does not see the bias


def test_zero_centered_penalty_takes_one_gradient_per_sample():
    points = np.array([[1.0, 0.0], [0.0, 3.0], [2.0, 2.0]], np.float32)
    # grad D(x) = x, so the penalty is gamma/2 * mean ||x||^2 = 0.5 * (1 + 9 + 8) / 3.
    assert float(regularizers.zero_centered_penalty(quadratic_critic, points, 1.0)) == pytest.approx(3.0)
    norms = regularizers.squared_gradient_norms(quadratic_critic, points).numpy()
    np.testing.assert_allclose(norms, [1.0, 9.0, 8.0])


def test_interpolated_penalty_of_a_linear_critic():
    w, weight = np.array([0.6, 0.0], np.float32), 10.0
    critic = linear_critic(w)
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((8, 2)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32)
    with tf.GradientTape() as tape:
        penalty = regularizers.interpolated_penalty(critic, real, fake, weight, seed=keras.random.SeedGenerator(0))
    kernel_grad = tape.gradient(penalty, critic.trainable_variables[0]).numpy().ravel()
    # ||grad|| = ||w|| = 0.6: penalty weight * 0.4^2, gradient 2 * weight * (||w|| - 1) * w / ||w||.
    assert float(penalty) == pytest.approx(weight * 0.16, rel=1e-5)
    np.testing.assert_allclose(kernel_grad, [2 * weight * (0.6 - 1.0), 0.0], rtol=1e-5, atol=1e-6)


def test_interpolated_penalty_draws_one_uniform_weight_per_sample():
    # Real at (2, 0), fake at 0, D = ||x||^2/2: ||grad D(x_hat)|| = 2 eps, so the penalty
    # is E(2 eps - 1)^2 = 1/3 for eps ~ U[0, 1] (one shared eps would give a random value).
    n = 20_000
    real = np.tile(np.array([[2.0, 0.0]], np.float32), (n, 1))
    fake = np.zeros((n, 2), np.float32)
    penalty = regularizers.interpolated_penalty(quadratic_critic, real, fake, 1.0, seed=keras.random.SeedGenerator(3))
    assert float(penalty) == pytest.approx(1.0 / 3.0, abs=0.01)


def test_clip_weights_bounds_every_entry():
    variables = [tf.Variable([[-3.0, 0.2], [0.05, 9.0]]), tf.Variable([-0.5])]
    regularizers.clip_weights(variables, 0.1)
    np.testing.assert_array_equal(variables[0].numpy(), np.float32([[-0.1, 0.1], [0.05, 0.1]]))
    np.testing.assert_array_equal(variables[1].numpy(), np.float32([-0.1]))


def test_weight_decay_acts_on_kernels_only():
    model = linear_critic([1.0, -2.0], b=100.0)
    assert float(regularizers.weight_decay(model, l1=0.1)) == pytest.approx(0.1 * 3.0)
    assert float(regularizers.weight_decay(model, l2=0.1)) == pytest.approx(0.1 * 5.0)
    assert float(regularizers.weight_decay(model, l1=0.1, l2=0.1)) == pytest.approx(0.8)
    assert float(regularizers.weight_decay(model)) == 0.0
    assert [v.path for v in regularizers.decayed_variables(model)] == [model.layers[0].kernel.path]


def test_smoothed_cross_entropy_at_known_logits():
    real, fake, alpha = np.array([2.0, -1.0]), np.array([0.5, -3.0]), 0.1
    expected_real = np.mean([(1 - alpha) * softplus(-t) + alpha * softplus(t) for t in real])
    expected = expected_real + np.mean([softplus(t) for t in fake])
    assert float(regularizers.smoothed_cross_entropy(real, fake, alpha)) == pytest.approx(expected, rel=1e-6)
    # At logit 0 both targets cost log 2, whatever alpha is.
    assert float(regularizers.smoothed_cross_entropy([0.0], [0.0], 0.3)) == pytest.approx(2 * math.log(2))
    # The real term is smallest where sigmoid(l) = 1 - alpha, i.e. l = log((1 - alpha) / alpha) = log 9.
    logits = tf.Variable([math.log(9.0)])
    with tf.GradientTape() as tape:
        loss = regularizers.smoothed_cross_entropy(logits, [0.0], alpha)
    assert abs(float(tape.gradient(loss, logits)[0])) < 1e-6


def test_instance_noise_std_schedule():
    values = [float(regularizers.instance_noise_std(step, 0.8, 100)) for step in (0, 25, 50, 100, 250)]
    np.testing.assert_allclose(values, [0.8, 0.6, 0.4, 0.0, 0.0], atol=1e-7)
    assert float(regularizers.instance_noise_std(10_000, 0.8, None)) == pytest.approx(0.8)


def test_pack_concatenates_consecutive_samples():
    batch = np.arange(10, dtype=np.float32).reshape(5, 2)
    np.testing.assert_array_equal(regularizers.pack(batch, 2).numpy(), [[0, 1, 2, 3], [4, 5, 6, 7]])
    assert regularizers.pack(batch, 1) is batch
    assert tuple(regularizers.pack(batch, 5).shape) == (1, 10)
    images = np.arange(4 * 3 * 3 * 2, dtype=np.float32).reshape(4, 3, 3, 2)
    packed = regularizers.pack(images, 2).numpy()
    assert packed.shape == (2, 3, 3, 4)  # along the channels
    np.testing.assert_array_equal(packed[1, ..., 2:], images[3])


def test_ema_update_matches_the_closed_form():
    average, weight = tf.Variable([1.0, 2.0]), tf.Variable([3.0, -2.0])
    for _ in range(3):
        regularizers.ema_update([average], [weight], 0.5)
    # After k steps toward a fixed weight: a_k = d^k a_0 + (1 - d^k) w.
    np.testing.assert_allclose(average.numpy(), 0.125 * np.array([1.0, 2.0]) + 0.875 * np.array([3.0, -2.0]))
