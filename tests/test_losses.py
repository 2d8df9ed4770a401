import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_lib import losses, models

LOG2 = math.log(2.0)


def logits(*values):
    return tf.constant(values, dtype=tf.float32)


def test_known_values_at_d_one_half():
    # D(x) = D(G(z)) = 1/2 means both logits are 0.
    zero = logits(0.0, 0.0)
    minimax, non_saturating = losses.get("minimax"), losses.get("non_saturating")
    assert float(minimax.discriminator(zero, zero)) == pytest.approx(2 * LOG2)
    assert float(non_saturating.discriminator(zero, zero)) == pytest.approx(2 * LOG2)
    assert float(minimax.generator(zero)) == pytest.approx(-LOG2)  # log(1 - 1/2)
    assert float(non_saturating.generator(zero)) == pytest.approx(LOG2)  # -log(1/2)


def test_cross_entropy_matches_the_probability_form():
    real, fake = np.array([2.0, -1.0, 0.3]), np.array([-0.5, 1.5, 0.0])
    d_real, d_fake = 1 / (1 + np.exp(-real)), 1 / (1 + np.exp(-fake))
    expected_d = -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake))
    assert float(losses.get("minimax").discriminator(logits(*real), logits(*fake))) == pytest.approx(
        expected_d, rel=1e-5
    )
    assert float(losses.get("minimax").generator(logits(*fake))) == pytest.approx(np.mean(np.log(1 - d_fake)), rel=1e-5)
    assert float(losses.get("non_saturating").generator(logits(*fake))) == pytest.approx(
        -np.mean(np.log(d_fake)), rel=1e-5
    )


@pytest.mark.parametrize("name", losses.NAMES)
def test_cross_entropy_says_whether_the_discriminator_minimises_the_cross_entropy(name):
    # The flag is true exactly when D's loss is -E[log sigmoid(l_real)] - E[log(1 - sigmoid(l_fake))].
    real, fake = np.array([2.0, -1.0, 0.3]), np.array([-0.5, 1.5, 0.0])
    d_real, d_fake = 1 / (1 + np.exp(-real)), 1 / (1 + np.exp(-fake))
    cross_entropy = -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake))
    found = float(losses.get(name).discriminator(logits(*real), logits(*fake)))
    assert losses.get(name).cross_entropy == (found == pytest.approx(cross_entropy, rel=1e-5))
    assert (name in losses.CROSS_ENTROPY) == losses.get(name).cross_entropy


def test_the_cross_entropy_losses_are_minimax_and_non_saturating():
    assert losses.CROSS_ENTROPY == ("minimax", "non_saturating")
    # a loss made by hand is not cross-entropy unless it says so
    made = losses.AdversarialLoss("mine", losses.get("minimax").discriminator, losses.get("minimax").generator)
    assert not made.cross_entropy
    assert losses.AdversarialLoss("mine", made.discriminator, made.generator, cross_entropy=True).cross_entropy


def test_other_losses_closed_forms():
    real, fake = logits(2.0, -1.0), logits(0.5, -3.0)
    assert float(losses.get("wasserstein").discriminator(real, fake)) == pytest.approx(-1.25 - 0.5)
    assert float(losses.get("wasserstein").generator(fake)) == pytest.approx(1.25)
    # hinge: relu(1 - 2)=0, relu(1 + 1)=2 -> 1; relu(1.5)=1.5, relu(-2)=0 -> 0.75
    assert float(losses.get("hinge").discriminator(real, fake)) == pytest.approx(1.0 + 0.75)
    # least squares: ((1)^2 + (-2)^2)/2/2 + ((0.5)^2 + 9)/2/2
    assert float(losses.get("least_squares").discriminator(real, fake)) == pytest.approx(1.25 + 2.3125)
    assert float(losses.get("least_squares").generator(fake)) == pytest.approx((0.25 + 16) / 4)


@pytest.mark.parametrize("name", losses.NAMES)
def test_extreme_logits_give_finite_values_and_gradients(name):
    loss = losses.get(name)
    real = tf.Variable([100.0, -100.0, 0.0])
    fake = tf.Variable([-100.0, 100.0, 0.0])
    with tf.GradientTape(persistent=True) as tape:
        d_value = loss.discriminator(real, fake)
        g_value = loss.generator(fake)
    for value in (d_value, g_value):
        assert np.isfinite(float(value))
    for gradient in tape.gradient(d_value, [real, fake]) + [tape.gradient(g_value, fake)]:
        assert np.all(np.isfinite(gradient.numpy()))


def test_minimax_saturates_where_non_saturating_does_not():
    # D confidently rejects a fake (logit -10): minimax's gradient vanishes, non-saturating's is about -1.
    fake = tf.Variable([-10.0])
    with tf.GradientTape(persistent=True) as tape:
        minimax = losses.get("minimax").generator(fake)
        non_saturating = losses.get("non_saturating").generator(fake)
    assert abs(float(tape.gradient(minimax, fake)[0])) < 1e-4
    assert float(tape.gradient(non_saturating, fake)[0]) == pytest.approx(-1.0, abs=1e-4)


@pytest.mark.parametrize("name", losses.NAMES)
def test_one_generator_step_raises_the_score_of_fakes(name):
    generator = models.mlp_generator(4, 2, width=16, depth=2)
    discriminator = models.mlp_discriminator(2, width=16, depth=2)
    noise = tf.random.normal((256, 4))
    optimizer = keras.optimizers.SGD(0.05)
    before = float(tf.reduce_mean(discriminator(generator(noise))))
    with tf.GradientTape() as tape:
        g_loss = losses.get(name).generator(discriminator(generator(noise)))
    optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
    after = float(tf.reduce_mean(discriminator(generator(noise))))
    # A fixed discriminator: every loss's generator step moves fakes up its logit (towards "real").
    assert after > before


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="non_saturating") as error:
        losses.get("vanila")
    assert "minimax" in str(error.value) and "vanila" in str(error.value)


def test_get_passes_a_loss_object_through():
    loss = losses.get("hinge")
    assert losses.get(loss) is loss


def test_generator_gradient_norm_against_a_closed_form():
    """G(z) = w z and D(x) = a x (one weight each): the non-saturating loss
    mean(softplus(-a w z)) has d/dw = mean(-a z sigmoid(-a w z)); the minimax loss
    -mean(softplus(a w z)) has d/dw = -mean(a z sigmoid(a w z))."""
    w, a = 0.7, -1.3
    generator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    discriminator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    generator.set_weights([np.array([[w]], np.float32)])
    discriminator.set_weights([np.array([[a]], np.float32)])
    z = np.random.default_rng(0).standard_normal((64, 1)).astype(np.float32)
    logits = a * w * z[:, 0].astype(np.float64)
    sigmoid = 1 / (1 + np.exp(-logits))
    expected = {
        "non_saturating": abs(np.mean(-a * z[:, 0] * (1 - sigmoid))),
        "minimax": abs(np.mean(-a * z[:, 0] * sigmoid)),
        "wasserstein": abs(np.mean(-a * z[:, 0])),
    }
    for name, value in expected.items():
        assert losses.generator_gradient_norm(generator, discriminator, z, name) == pytest.approx(value, rel=1e-5)
    default = losses.generator_gradient_norm(generator, discriminator, z)
    assert default == pytest.approx(expected["non_saturating"], rel=1e-5)
    with pytest.raises(ValueError, match="loss"):
        losses.generator_gradient_norm(generator, discriminator, z, "hinge_squared")
    frozen = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, trainable=False)])
    with pytest.raises(ValueError, match="trainable"):
        losses.generator_gradient_norm(frozen, discriminator, z)
