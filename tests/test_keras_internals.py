"""What gan_lib assumes about Keras' trainer internals (gan_lib/_keras_internals.py).

These run under every Keras version ``make test`` and ``make test-oldest`` install, so an
upgrade that breaks an assumption fails here, not as a silent slowdown."""

import keras
import pytest

import gan_lib as gl
from gan_lib import _keras_internals


class CountCalls(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def on_train_batch_end(self, batch, logs=None):
        self.calls += 1


# The shared tiny GAN (tests/conftest.py), narrower still, with Keras' default Adam betas.
NARROW = {"width": 8, "depth": 1, "beta_1": 0.9}


def batches():
    return gl.data.as_dataset(gl.data.ring(256, seed=0), 32, seed=0)


@pytest.mark.slow
def test_every_supported_keras_loops_the_steps_in_the_graph(tiny_gan):
    # requirements.txt allows Keras 3.10 and later, whose TensorFlow trainer all loop in the
    # graph: if the marker attribute disappears, gan_lib would silently fall back to one step
    # per call (several times slower), so it must fail here instead.
    gan = tiny_gan(**NARROW)
    assert _keras_internals.loops_steps_in_graph(gan)
    counter = CountCalls()
    gan.fit(batches(), epochs=1, steps_per_epoch=10, verbose=0, callbacks=[counter])
    assert gan.steps_per_execution == 10 and counter.calls == 1 and gan.steps_done() == 10


def test_the_loop_traces_the_step_once_however_many_steps_it_runs():
    traces = []

    class Counting(gl.GAN):
        def train_step(self, data):
            traces.append(1)  # Python side effect: runs once per trace, not per step
            return super().train_step(data)

    keras.utils.set_random_seed(0)
    gan = Counting(gl.models.mlp_generator(4, 2, width=8, depth=1), gl.models.mlp_discriminator(2, width=8, depth=1),
                   latent_dim=4, seed=0)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    gan.fit(batches(), epochs=1, steps_per_epoch=20, verbose=0)
    assert gan.steps_per_execution == 20 and gan.steps_done() == 20
    assert len(traces) == 1  # an unrolled loop would trace 20 times


@pytest.mark.slow
def test_make_train_function_stores_its_function_and_gan_keeps_one_per_length(tiny_gan):
    gan = tiny_gan(**NARROW)
    first = _keras_internals.build_train_function(gan, super(gl.GAN, gan).make_train_function)
    assert callable(first) and gan.train_function is first
    # GAN keeps one function per (length, guard) and hands the same one back.
    gan.fit(batches(), epochs=1, steps_per_epoch=10, verbose=0)
    ten = gan.train_function
    gan.fit(batches(), epochs=1, steps_per_epoch=5, verbose=0)
    five = gan.train_function
    gan.fit(batches(), epochs=1, steps_per_epoch=10, verbose=0)
    assert gan.train_function is ten and five is not ten
    assert keras.backend.backend() == "tensorflow"


@pytest.mark.slow
def test_trackers_off_trains_the_same_weights_and_logs_only_the_losses(tiny_gan):
    def trained(trackers):
        gan = tiny_gan(**NARROW, trackers=trackers)
        history = gan.fit(batches(), epochs=1, steps_per_epoch=10, verbose=0)
        return gan, history.history

    on, logs_on = trained(True)
    off, logs_off = trained(False)
    assert set(logs_on) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert set(logs_off) == {"d_loss", "g_loss"} and off.metrics == []
    for a, b in zip(on.player_weights().values(), off.player_weights().values()):
        assert (a == b).all()
