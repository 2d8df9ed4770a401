"""Divergence, checkpoint-and-resume, determinism and multi-device training."""

import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from module_imports import gan_lib_parts, imports

import gan_lib as gl

ROOT = pathlib.Path(__file__).resolve().parents[1]


def ring_batches(seed=0):
    return gl.data.as_dataset(gl.data.ring(1024, seed=seed), 64, seed=seed)


@pytest.mark.slow
def test_nan_in_the_data_stops_training_at_that_step_and_keeps_good_weights(tiny_gan):
    points = gl.data.ring(64 * 10, seed=0)
    points[64 * 4 + 3] = np.nan  # the fifth batch holds a NaN
    gan = tiny_gan()
    dataset = tf.data.Dataset.from_tensor_slices(points).batch(64)
    with pytest.raises(gl.training.DivergenceError, match=r"step 5: .*d_loss") as error:
        gan.fit(dataset, epochs=1, steps_per_epoch=10, verbose=0)
    assert "NaN or Inf in the training data" in str(error.value)
    assert "from step 4" in str(error.value)
    # The 10 steps ran as one graph call, which ends before the guard's record is read (on Keras
    # versions that unroll steps_per_execution in Python, fit runs one step per call and stops at 5).
    assert gan.steps_done() == (5 if gan.steps_per_execution == 1 else 10)
    assert not all(np.all(np.isfinite(w)) for w in gan.discriminator.get_weights())
    assert gan.restore_last_good_weights() == 4
    assert all(np.all(np.isfinite(w)) for w in gan.player_weights().values())
    # The restored weights are the ones of a clean run after 4 steps.
    clean = tiny_gan()
    clean.fit(tf.data.Dataset.from_tensor_slices(points[: 64 * 4]).batch(64), epochs=1, steps_per_epoch=4, verbose=0)
    for name, value in clean.player_weights().items():
        np.testing.assert_array_equal(gan.player_weights()[name], value, err_msg=name)


def test_with_one_step_per_call_training_stops_at_the_bad_step(tiny_gan):
    points = gl.data.ring(64 * 10, seed=0)
    points[64 * 4 + 3] = np.inf
    gan = tiny_gan(steps_per_execution=1)
    with pytest.raises(gl.training.DivergenceError, match=r"step 5: .*from step 4"):
        gan.fit(tf.data.Dataset.from_tensor_slices(points).batch(64), epochs=1, steps_per_epoch=10, verbose=0)
    assert gan.steps_done() == 5
    assert gan.restore_last_good_weights() == 4


def test_a_nan_weight_is_named(tiny_gan):
    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.steps_done() == 3:
                kernel = self.model.generator.weights[0]
                kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))

    gan = tiny_gan(steps_per_execution=1)  # so that the poison lands after step 3
    with pytest.raises(gl.training.DivergenceError, match=r"step 3: generator weights 0 \(of 6\) .*from step 2"):
        gan.fit(ring_batches(), epochs=1, steps_per_epoch=6, callbacks=[Poison()], verbose=0)


def test_the_guard_can_be_turned_off(tiny_gan):
    points = gl.data.ring(128, seed=0)
    points[0] = np.inf
    gan = tiny_gan()
    history = gan.fit(
        tf.data.Dataset.from_tensor_slices(points).batch(64), epochs=1, steps_per_epoch=2, divergence_guard=False
    )
    assert not np.isfinite(history.history["d_loss"][0])


RESUME_SCRIPT = textwrap.dedent(
    """
    import pathlib
    import sys

    import tensorflow as tf

    # One thread per op: a multi-threaded CPU kernel may add partial sums in a different order from
    # run to run, which moves weights by ~1e-5 after 40 steps, interrupted or not.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    import numpy as np

    import gan_lib as gl

    sys.path.insert(0, "tests")
    from conftest import build_tiny_gan  # the tests' one small GAN

    TRICKS = {"r1": 0.1, "ema": 0.9, "instance_noise": 0.1, "instance_noise_steps": 30}

    def small_gan(seed):
        return build_tiny_gan(seed=seed, **TRICKS)

    def batches(start=0):
        return gl.data.as_dataset(gl.data.ring(1024, seed=0), 64, seed=0, start=start)

    uninterrupted = small_gan(0)
    uninterrupted.fit(batches(), epochs=1, steps_per_epoch=40, verbose=0)

    checkpoint = pathlib.Path(sys.argv[1]) / "state.npz"
    first = small_gan(0)
    saver = gl.training.Checkpoint(checkpoint, every=5)
    first.fit(batches(), epochs=1, steps_per_epoch=20, callbacks=[saver], verbose=0)
    del first  # the "interruption": nothing survives but the file

    resumed = small_gan(99)  # other initial weights and noise seed: all must come from the file
    steps = resumed.load_state(checkpoint)
    assert steps == 20, steps
    resumed.fit(batches(start=steps), epochs=1, steps_per_epoch=20, verbose=0)  # 20 steps: mid-pass

    expected = {n: keras.ops.convert_to_numpy(v) for n, v in uninterrupted._state_variables().items()}
    for name, variable in resumed._state_variables().items():
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), expected[name], err_msg=name)
    np.testing.assert_array_equal(resumed.sample(100, seed=1), uninterrupted.sample(100, seed=1))
    print("OK", len(expected), "arrays equal")
    """
)


@pytest.mark.slow
def test_resume_is_bit_for_bit_the_uninterrupted_run(tmp_path):
    # Thread counts must be set before TensorFlow starts, so this runs in a fresh process.
    # oneDNN's CPU kernels may pick a different code path for differently aligned buffers, so they
    # are switched off here: with them, the two runs can differ by ~1e-5 after 40 steps.
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0"}
    result = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr[-3000:]


def test_state_files_are_checked(tmp_path, tiny_gan):
    gan = tiny_gan()
    with pytest.raises(ValueError, match="path must end in .npz"):
        gan.save_state(tmp_path / "state.bin")
    with pytest.raises(ValueError, match="no such file"):
        gan.load_state(tmp_path / "missing.npz")
    gan.save_state(tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="differently configured"):
        tiny_gan(ema=0.9).load_state(tmp_path / "plain.npz")
    wider = gl.GAN(
        gl.models.mlp_generator(4, 2, width=64, depth=2),
        gl.models.mlp_discriminator(2, width=32, depth=2),
        latent_dim=4,
    )
    wider.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match="another shape"):
        wider.load_state(tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="every"):
        gl.training.Checkpoint(tmp_path / "x.npz", every=0)


@pytest.mark.slow
def test_same_seed_gives_identical_metrics(tiny_gan):
    def run():
        gan = tiny_gan(seed=3)
        history = gan.fit(ring_batches(seed=3), epochs=2, steps_per_epoch=30, verbose=0)
        return history.history, gl.metrics.mode_coverage(gan.sample(2500, seed=0), gl.data.ring_centers(), 0.01)

    (history_a, metrics_a), (history_b, metrics_b) = run(), run()
    assert history_a == history_b
    assert metrics_a == metrics_b


MIRRORED_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import gan_lib as gl

    sys.path.insert(0, "tests")
    from conftest import build_tiny_gan  # the tests' one small GAN

    def run(strategy, tricks):
        with strategy.scope():
            gan = build_tiny_gan(seed=0, learning_rate=1e-2, **tricks)
        # An unshuffled stream, so both runs see the same global batches.
        data = tf.data.Dataset.from_tensor_slices(gl.data.ring(512, seed=0)).repeat().batch(64)
        history = gan.fit(data, epochs=1, steps_per_epoch=10, verbose=0)
        return gan, history.history

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    for tricks in ({}, {"r1": 1.0, "instance_noise": 0.1}):
        single, single_history = run(tf.distribute.get_strategy(), tricks)
        double, double_history = run(mirrored, tricks)
        pairs = zip(single.player_weights().values(), double.player_weights().values())
        worst = max(np.max(np.abs(a - b)) for a, b in pairs)
        losses = max(abs(single_history[k][0] - double_history[k][0]) for k in single_history)
        print(tricks, "max weight difference", worst, "max loss difference", losses)
        assert worst < 1e-5, worst
        assert losses < 1e-5, losses
    print("OK")
    """
)


@pytest.mark.slow
def test_mirrored_strategy_on_two_devices_matches_one_device():
    # Logical devices must be set before TensorFlow starts, so this runs in a fresh process.
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr[-3000:]


# --- The divergence guard's own module: one object holds its state -------------------------------


@pytest.mark.slow
def test_the_guard_object_alone_holds_the_last_good_weights(tiny_gan):
    points = gl.data.ring(64 * 10, seed=0)
    points[64 * 4 + 3] = np.nan
    gan = tiny_gan(steps_per_execution=1)
    with pytest.raises(gl.divergence.DivergenceError, match=r"Training diverged at step 5: .*from step 4"):
        gan.fit(tf.data.Dataset.from_tensor_slices(points).batch(64), epochs=1, steps_per_epoch=10, verbose=0)
    assert isinstance(gan.guard, gl.divergence.Guard) and gan.guard.kept_step == 4
    # The GAN keeps only the flag by which fit picks the guarded train function, no guard state.
    assert sorted(name for name in vars(gan) if "guard" in name) == ["_guarding", "guard"]
    # Restoring through the guard is what the GAN's method does: the weights of a clean run after 4 steps.
    assert gan.guard.restore() == 4
    clean = tiny_gan(steps_per_execution=1)
    clean.fit(tf.data.Dataset.from_tensor_slices(points[: 64 * 4]).batch(64), epochs=1, steps_per_epoch=4, verbose=0)
    for name, value in clean.player_weights().items():
        np.testing.assert_array_equal(gan.player_weights()[name], value, err_msg=name)


def test_the_divergence_callback_writes_nothing_on_the_model_but_stop_training():
    class StubGuard:
        def __init__(self):
            self.calls = []

        def start(self):
            self.calls.append("start")

        def check(self):
            self.calls.append("check")
            if len(self.calls) == 3:
                raise gl.divergence.DivergenceError("Training diverged at step 2: d_loss became NaN or Inf.")

    class Model:  # stands in for a GAN and records every attribute the callback sets on it
        def __init__(self):
            object.__setattr__(self, "written", [])
            object.__setattr__(self, "guard", StubGuard())

        def __setattr__(self, name, value):
            self.written.append(name)
            object.__setattr__(self, name, value)

    model, callback = Model(), gl.training.DivergenceGuard()
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_train_batch_end(0)
    assert model.written == []
    with pytest.raises(gl.divergence.DivergenceError, match="step 2"):
        callback.on_train_batch_end(1)
    assert model.guard.calls == ["start", "check", "check"]
    assert model.written == ["stop_training"] and model.stop_training is True


def test_a_guard_watches_any_variables_without_a_gan():
    watched = {"generator/0": keras.Variable([1.0, 2.0]), "discriminator/0": keras.Variable([3.0])}
    steps = keras.Variable(0, dtype="int64")
    guard = gl.divergence.Guard(lambda: watched, lambda: steps, tf.distribute.get_strategy())
    with pytest.raises(ValueError, match="no good weights were kept"):
        guard.restore()

    def step(new_discriminator, d_loss=0.0):
        guard.before_step()
        watched["discriminator/0"].assign(new_discriminator)
        steps.assign_add(1)
        guard.after_step(tf.constant(d_loss), tf.constant(0.0))

    guard.start()
    assert guard.kept_step == 0
    step([4.0])
    guard.check()
    step([np.nan])  # step 2 makes a weight NaN; the guard sees it before step 3
    guard.check()
    assert guard.kept_step == 1
    step([5.0])
    with pytest.raises(gl.divergence.DivergenceError) as error:
        guard.check()
    assert str(error.value).startswith(
        "Training diverged at step 2: discriminator weights 0 (of 1) became NaN or Inf. Likely causes: "
    )
    assert str(error.value).endswith("from step 1, are kept: call gan.restore_last_good_weights().")
    assert guard.restore() == 1
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(watched["discriminator/0"]), [4.0])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(watched["generator/0"]), [1.0, 2.0])
    # A later guarded run starts clean; a non-finite loss is named, at the step that produced it.
    guard.start()
    step([6.0], d_loss=np.inf)
    with pytest.raises(gl.divergence.DivergenceError, match=r"at step 4: d_loss became NaN or Inf.*from step 3"):
        guard.check()
    watched["generator/0"].assign([np.nan, 0.0])
    with pytest.raises(gl.divergence.DivergenceError, match=r"before training starts: generator weights 0 \(of 1\)"):
        guard.start()


# --- A GAN's state on disk: gan_lib.checkpoints ---------------------------------------------------


def test_checkpoints_module_round_trip_matches_the_gan_methods(tmp_path, tiny_gan):
    gan = tiny_gan(ema=0.9)
    gan.fit(ring_batches(), epochs=1, steps_per_epoch=7, verbose=0)
    gl.checkpoints.save_state(gan, tmp_path / "module.npz")
    gan.save_state(tmp_path / "method.npz")
    with np.load(tmp_path / "module.npz") as a, np.load(tmp_path / "method.npz") as b:
        assert sorted(a.files) == sorted(gl.checkpoints.state_variables(gan)) == sorted(b.files)
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    other = tiny_gan(seed=1, ema=0.9)
    assert gl.checkpoints.load_state(other, tmp_path / "module.npz") == 7 == other.steps_done()
    expected = gl.checkpoints.state_variables(gan)
    for name, variable in gl.checkpoints.state_variables(other).items():
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(variable), keras.ops.convert_to_numpy(expected[name]), err_msg=name
        )
    np.testing.assert_array_equal(other.sample(50, seed=2), gan.sample(50, seed=2))
    uncompiled = gl.GAN(gl.models.mlp_generator(4, 2), gl.models.mlp_discriminator(2), latent_dim=4)
    with pytest.raises(ValueError, match="compile the GAN"):
        gl.checkpoints.save_state(uncompiled, tmp_path / "x.npz")


def test_the_state_holds_the_dropout_layers_seeds(tmp_path):
    # The tutorial's discriminator has two dropout layers, each with its own seed state: a state
    # without them resumes with other dropout masks (found when a stopped Fashion-MNIST run
    # continued with another FID than the uninterrupted run).
    gan = gl.GAN(gl.models.tutorial_generator(), gl.models.tutorial_discriminator(), latent_dim=100)
    gan.compile(*gl.training.adam_pair(1e-4, 1e-4))
    held = {id(v) for v in gl.checkpoints.state_variables(gan).values()}
    dropout_seeds = [v for v in gan.discriminator.variables if "seed_generator" in v.path]
    assert len(dropout_seeds) == 2 and all(id(v) in held for v in dropout_seeds)
    dropout_seeds[0].assign([7, 11])
    gan.save_state(tmp_path / "state.npz")
    dropout_seeds[0].assign([0, 0])
    gan.load_state(tmp_path / "state.npz")
    assert keras.ops.convert_to_numpy(dropout_seeds[0]).tolist() == [7, 11]


def test_the_moved_names_are_still_reachable_from_training():
    assert gl.training.Checkpoint is gl.checkpoints.Checkpoint
    assert gl.training.DivergenceError is gl.divergence.DivergenceError
    assert gl.training.DivergenceGuard is gl.divergence.DivergenceGuard


@pytest.mark.parametrize("module", ["checkpoints", "divergence"])
def test_the_new_modules_import_nothing_from_above(module):
    above = {"training", "sweep", "recipes", "results", "plotting", "widgets", "exercises", "metrics"}
    assert not gan_lib_parts(module) & above, gan_lib_parts(module)
    assert "keras" in imports(module)[0]  # the walk does find the module's imports
