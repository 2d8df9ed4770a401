"""Property-based tests: every public function of gan_lib refuses bad input with a plain error.

Hypothesis generates bad values for one argument at a time (wrong shapes, wrong dtypes,
out-of-range numbers, empty arrays, NaN or Inf in data, unknown names, wrong types) while the
other arguments stay valid. Each call must raise ValueError or TypeError

- whose message names the argument (as a word, after the bad value's own text is removed),
- raised inside gan_lib itself (the innermost frame of the traceback is a gan_lib file), so
  the check ran before TensorFlow or numpy saw the value: no deep library error escapes.

Every case tried is counted; ``pytest`` prints the counts at the end ("bad-input cases tried: N").
gan_lib.sweep and gan_lib.plotting are not covered here yet.
"""

import functools
import inspect
import math
import os
import pathlib
import re
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf
from bad_values import (
    FINITE,
    NOT_ARRAYS,
    NOT_CALLABLE,
    NOT_NUMBERS,
    argument,
    bad_arrays,
    bad_floats,
    bad_ints,
    bad_matrices,
    bad_names,
    bad_paths,
    bad_seeds,
    one_of_arguments,
)
from conftest import build_tiny_gan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gan_lib as gl
from gan_lib import data, dirac, judge, losses, metrics, models, regularizers, runtime, theory, training, widgets

GAN_LIB = pathlib.Path(gl.__file__).resolve().parent
# Examples per test, sized so the file runs in well under a minute on a 2-core CPU.
FAST = 300  # numpy-only checks
SLOW = 100  # checks that build tensors, models or files


def bad_input_settings(max_examples: int):
    # The autouse seed fixture is function-scoped; it only reseeds Keras, which no check here relies on.
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- The check every case goes through ---------------------------------------------------------


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "unknown").split(" ")[0].split("::")[-1]


def refuses(cases, argument: str, value: object, call, *args, **kwargs) -> None:
    """``call(*args, **kwargs)`` must raise ValueError or TypeError from gan_lib, naming ``argument``."""
    cases[_current_test()] += 1
    with pytest.raises((ValueError, TypeError)) as info:
        call(*args, **kwargs)
    error = info.value
    assert not type(error).__module__.startswith(("tensorflow", "keras")), f"a library error escaped: {error!r}"
    innermost = pathlib.Path(str(info.traceback[-1].path)).resolve()
    assert innermost.parent == GAN_LIB, f"raised in {innermost}, not by gan_lib's own checks: {error!r}"
    message = str(error)
    message = message.replace(repr(value), "")  # so an echoed value cannot supply the name
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])", message), (
        f"the message does not name {argument!r}: {str(error)!r}"
    )


# --- Shared small objects ----------------------------------------------------------------------


# The shared tiny GAN (tests/conftest.py), smaller still; built once, as Hypothesis calls each test many times.
@functools.cache
def compiled_gan() -> gl.GAN:
    return build_tiny_gan(latent_dim=2, width=4, depth=1)


@functools.cache
def uncompiled_gan() -> gl.GAN:
    return build_tiny_gan(latent_dim=2, width=4, depth=1, compile=False)


@functools.cache
def players() -> tuple[keras.Model, keras.Model]:
    return models.mlp_generator(2, 2, width=4, depth=1), models.mlp_discriminator(2, width=4, depth=1)


@functools.cache
def scratch_dir() -> pathlib.Path:
    return pathlib.Path(tempfile.mkdtemp(prefix="gan_lib_bad_input_"))


def linear_critic(points):
    return tf.reduce_sum(points, axis=-1, keepdims=True)


VALID_POINTS = np.zeros((4, 2), np.float32)
VALID_DENSITY = np.full(10, 0.1)  # integrates to 1 with dx = 1


# --- data -----------------------------------------------------------------------------------


@bad_input_settings(FAST)
@given(one_of_arguments("modes", "radius", "side", "spacing"))
def test_data_centres(bad_input_cases, case):
    argument, value = case
    call = data.ring_centers if argument in ("modes", "radius") else data.grid_centers
    refuses(bad_input_cases, argument, value, call, **{argument: value})


@bad_input_settings(FAST)
@given(
    st.sampled_from(["mixture", "ring", "grid"]),
    one_of_arguments("n", "seed", std=bad_floats(allow_zero=True), centers=bad_matrices()),
)
def test_data_mixtures(bad_input_cases, sampler, case):
    argument, value = case
    if sampler == "mixture":
        kwargs = {"n": 5, "centers": np.zeros((3, 2)), "std": 0.1, argument: value}
        refuses(bad_input_cases, argument, value, data.mixture, **kwargs)
    elif argument != "centers":
        refuses(bad_input_cases, argument, value, getattr(data, sampler), **{"n": 5, argument: value})


@bad_input_settings(FAST)
@given(
    st.sampled_from(["digits", "mnist", "fashion_mnist", "available"]),
    st.one_of(bad_names({"train", "test", "all", "mnist", "fashion_mnist"})),
)
def test_data_names(bad_input_cases, function, value):
    argument = "name" if function == "available" else "split"
    refuses(bad_input_cases, argument, value, getattr(data, function), value)


@bad_input_settings(SLOW)
@given(
    one_of_arguments(
        array=st.one_of(
            bad_arrays(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)),
            st.sampled_from([np.float64(1.0), np.array(2.0)]),  # scalars: no rows
        ),
        batch_size=st.one_of(bad_ints(), st.integers(9, 100)),  # 8 rows: more than 8 is too many
        seed=bad_seeds(upper=2**31),
    )
)
def test_data_as_dataset(bad_input_cases, case):
    argument, value = case
    kwargs = {"array": np.zeros((8, 2)), "batch_size": 4, "seed": 0, argument: value}
    refuses(bad_input_cases, argument, value, data.as_dataset, **kwargs)


@bad_input_settings(FAST)
@given(
    one_of_arguments(
        "timeout",
        host=st.one_of(st.none(), st.just(""), st.integers(), st.lists(st.text(max_size=2), max_size=2)),
        port=st.one_of(st.integers(max_value=0), st.integers(min_value=65536), st.floats(), NOT_NUMBERS),
    )
)
def test_data_reachable(bad_input_cases, case):
    argument, value = case
    refuses(bad_input_cases, argument, value, data.reachable, **{"host": "localhost", "port": 1, argument: value})


# --- models ---------------------------------------------------------------------------------

BAD_MODEL_NAMES = st.one_of(st.none(), st.integers(), st.just(""), st.text(max_size=4).map(lambda t: t + "/x"))
BAD_IMAGE_SHAPES = st.one_of(
    st.none(),
    st.integers(),
    st.text(min_size=3, max_size=3),
    st.lists(st.integers(1, 16), min_size=0, max_size=5).filter(lambda s: len(s) != 3),
    st.tuples(st.integers(1, 16), st.integers(1, 16), st.integers(1, 3)).filter(lambda s: s[0] % 4 or s[1] % 4),
    st.tuples(st.sampled_from([8, 0, -4, 8.0, True]), st.just(8), st.sampled_from([1, 0, "1", None])).filter(
        lambda s: s != (8, 8, 1)
    ),
)


@bad_input_settings(FAST)
@given(
    st.sampled_from(["mlp_generator", "mlp_discriminator"]),
    one_of_arguments(
        "latent_dim", "output_dim", "input_dim", "width", "depth",
        name=BAD_MODEL_NAMES,
        spectral_norm=st.one_of(st.integers(), st.none(), st.text(max_size=3)),
    ),
)
def test_models_mlp(bad_input_cases, builder, case):
    argument, value = case
    if builder == "mlp_generator":
        if argument in ("input_dim", "spectral_norm"):
            return
        kwargs = {"latent_dim": 2, "output_dim": 2, argument: value}
    else:
        if argument in ("latent_dim", "output_dim"):
            return
        kwargs = {"input_dim": 2, argument: value}
    refuses(bad_input_cases, argument, value, getattr(models, builder), **kwargs)


@bad_input_settings(FAST)
@given(
    st.sampled_from(["conv_generator", "conv_discriminator"]),
    one_of_arguments(
        "latent_dim", "base_filters",
        image_shape=BAD_IMAGE_SHAPES,
        name=BAD_MODEL_NAMES,
        spectral_norm=st.one_of(st.integers(), st.none()),
    ),
)
def test_models_conv(bad_input_cases, builder, case):
    argument, value = case
    if builder == "conv_generator":
        if argument == "spectral_norm":
            return
        kwargs = {"latent_dim": 2, "image_shape": (8, 8, 1), argument: value}
    else:
        if argument == "latent_dim":
            return
        kwargs = {"image_shape": (8, 8, 1), argument: value}
    refuses(bad_input_cases, argument, value, getattr(models, builder), **kwargs)


# --- losses ---------------------------------------------------------------------------------


@bad_input_settings(FAST)
@given(bad_names(set(losses.NAMES)))
def test_losses_get(bad_input_cases, name):
    refuses(bad_input_cases, "name", name, losses.get, name)


NON_FLOAT_LOGITS = st.one_of(
    st.sampled_from([np.int32, np.int64, np.uint8, np.bool_]).flatmap(lambda t: hnp.arrays(t, (4, 1))),
    st.just(np.full((4, 1), "a")),
    st.just([[1], [2]]),
    st.just(tf.constant([[1], [2]])),
    st.just(tf.constant(["a", "b"])),
    NOT_ARRAYS,
)


@bad_input_settings(SLOW)
@given(
    st.sampled_from(losses.NAMES),
    st.one_of(
        st.tuples(st.just("real_logits"), NON_FLOAT_LOGITS, st.just(np.zeros((4, 1), np.float32))),
        st.tuples(st.just("fake_logits"), st.just(np.zeros((4, 1), np.float32)), NON_FLOAT_LOGITS),
        st.tuples(st.just("real_logits"), st.just(np.zeros((0, 1), np.float32)), st.just(np.zeros((4, 1), np.float32))),
        # Shapes that differ in more than the batch size: a rank or a feature mismatch.
        st.tuples(
            st.just("fake_logits"),
            st.just(np.zeros((4, 1), np.float32)),
            st.sampled_from([np.zeros(4, np.float32), np.zeros((4, 2), np.float32), np.zeros((4, 1, 1), np.float32)]),
        ),
    ),
)
def test_losses_functions(bad_input_cases, name, case):
    argument, real_logits, fake_logits = case
    loss = losses.get(name)
    value = real_logits if argument == "real_logits" else fake_logits
    refuses(bad_input_cases, argument, value, loss.discriminator, real_logits, fake_logits)
    if argument == "fake_logits" and not (isinstance(fake_logits, np.ndarray) and fake_logits.dtype == np.float32):
        # Not float logits at all (the shape mismatches above are fine for the generator alone).
        refuses(bad_input_cases, "fake_logits", fake_logits, loss.generator, fake_logits)


def test_losses_check_static_shapes_while_tracing():
    """Inside a tf.function the shapes are symbolic; a rank mismatch is still caught when tracing."""
    loss = losses.get("hinge")
    traced = tf.function(loss.discriminator).get_concrete_function
    with pytest.raises(ValueError, match="real_logits and fake_logits"):
        traced(tf.TensorSpec([None, 1], tf.float32), tf.TensorSpec([None], tf.float32))
    with pytest.raises(ValueError, match="fake_logits must be a floating-point tensor"):
        traced(tf.TensorSpec([None, 1], tf.float32), tf.TensorSpec([None, 1], tf.int32))
    traced(tf.TensorSpec([None, 1], tf.float32), tf.TensorSpec([None, 1], tf.float32))  # fine


# --- training -------------------------------------------------------------------------------

NOT_MODELS = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.just(np.zeros((2, 2))), st.just(linear_critic))


@bad_input_settings(SLOW)
@given(one_of_arguments("latent_dim", "seed", generator=NOT_MODELS, discriminator=NOT_MODELS))
def test_training_gan_constructor(bad_input_cases, case):
    argument, value = case
    generator, discriminator = players()
    kwargs = {"generator": generator, "discriminator": discriminator, "latent_dim": 2, argument: value}
    refuses(bad_input_cases, argument, value, gl.GAN, **kwargs)


KNOWN_COMPILE_KEYWORDS = set(inspect.signature(gl.GAN.compile).parameters) | set(
    inspect.signature(keras.Model.compile).parameters
)
COMPILE_KEYWORDS = {"r1", "r2", "gradient_penalty", "clip_weights", "d_l1", "d_l2", "g_l1", "g_l2", "instance_noise"}


@bad_input_settings(SLOW)
@given(
    st.one_of(
        one_of_arguments(*sorted(COMPILE_KEYWORDS)),
        one_of_arguments(
            "label_smoothing", "ema", "d_steps", "pack",
            trackers=st.one_of(st.integers(), st.none(), st.text(max_size=2)),
            steps_per_execution=bad_ints().filter(lambda value: value is not None),  # None: fit chooses
            instance_noise_steps=st.one_of(st.integers(max_value=0), st.floats(), st.text(max_size=2)),
            loss=bad_names(set(losses.NAMES)),
            d_optimizer=st.one_of(st.integers(), st.text(min_size=1, max_size=3), st.just(keras.optimizers.Adam)),
            g_optimizer=st.one_of(st.integers(), st.text(min_size=1, max_size=3)),
        ),
        # Unknown keywords: random identifiers that neither GAN.compile nor keras.Model.compile takes.
        st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
        .filter(lambda name: name not in KNOWN_COMPILE_KEYWORDS)
        .map(lambda name: (name, 1.0)),
    )
)
def test_training_compile(bad_input_cases, case):
    argument, value = case
    refuses(bad_input_cases, argument, value, uncompiled_gan().compile, **{argument: value})


def bad_datasets():
    def dataset(array):
        return tf.data.Dataset.from_tensor_slices(array).batch(2)

    return st.one_of(
        st.sampled_from([1, 3]).map(lambda d: dataset(np.zeros((4, d), np.float32))),
        st.just(dataset(np.zeros((4, 2, 1), np.float32))),
        st.just(dataset(np.full((4, 2), "a"))),
    )


@bad_input_settings(SLOW)
@given(
    one_of_arguments(
        x=st.one_of(
            bad_arrays(st.tuples(st.integers(1, 6), st.just(2))),
            st.integers(1, 6).flatmap(lambda n: st.sampled_from([np.zeros((n, 3)), np.zeros((n, 2, 1)), np.zeros(n)])),
            bad_datasets(),
        ),
        divergence_guard=st.one_of(st.integers(), st.none(), st.text(max_size=2)),
    )
)
def test_training_fit(bad_input_cases, case):
    argument, value = case
    if argument == "x" and isinstance(value, (str, dict, type(None))):
        return  # not array-like: left to Keras, which names x itself
    kwargs = {"x": VALID_POINTS, "epochs": 1, "verbose": 0, argument: value}
    refuses(bad_input_cases, argument, value, compiled_gan().fit, **kwargs)


def test_training_fit_before_compile():
    with pytest.raises(ValueError, match="compile"):
        uncompiled_gan().fit(VALID_POINTS, epochs=1, verbose=0)


@bad_input_settings(SLOW)
@given(
    one_of_arguments("n", "seed", "batch_size", average=st.one_of(st.integers(), st.none(), st.text(max_size=2)))
)
def test_training_sample(bad_input_cases, case):
    argument, value = case
    refuses(bad_input_cases, argument, value, compiled_gan().sample, **{"n": 4, argument: value})


@bad_input_settings(SLOW)
@given(
    st.one_of(
        st.tuples(st.just("save_state"), bad_paths(".npz")),  # never a real .npz path: nothing is written
        st.tuples(st.just("load_state"), bad_paths()),
        st.tuples(
            st.just("load_state"),
            st.text(alphabet="abc", min_size=1, max_size=6).map(lambda t: f"/nonexistent/{t}.npz"),
        ),
        st.tuples(st.just("garbage"), st.binary(max_size=64)),
    )
)
def test_training_state_files(bad_input_cases, case):
    method, value = case
    if method == "garbage":  # a file that exists but is no saved state
        path = scratch_dir() / "garbage.npz"
        path.write_bytes(value)
        refuses(bad_input_cases, "path", str(path), compiled_gan().load_state, str(path))
    else:
        refuses(bad_input_cases, "path", value, getattr(compiled_gan(), method), value)


def test_training_load_state_of_another_gan(tmp_path):
    path = tmp_path / "state.npz"
    np.savez(path, something=np.zeros(3))
    with pytest.raises(ValueError, match="path"):
        compiled_gan().load_state(path)


@bad_input_settings(FAST)
@given(
    st.one_of(
        st.tuples(st.just("Checkpoint"), st.just("path"), bad_paths(".npz")),
        st.tuples(st.just("Checkpoint"), st.just("every"), bad_ints()),
        st.tuples(st.just("Snapshots"), st.just("n"), bad_ints()),
        st.tuples(st.just("Snapshots"), st.just("seed"), bad_seeds()),
    )
)
def test_training_callbacks(bad_input_cases, case):
    callback, argument, value = case
    valid = {"Checkpoint": {"path": "state.npz"}, "Snapshots": {}}[callback]
    refuses(bad_input_cases, argument, value, getattr(training, callback), **{**valid, argument: value})


@bad_input_settings(FAST)
@given(
    one_of_arguments("d_learning_rate", "g_learning_rate", "beta_1", "beta_2")
)
def test_training_adam_pair(bad_input_cases, case):
    argument, value = case
    refuses(bad_input_cases, argument, value, training.adam_pair, **{argument: value})


# --- regularizers ----------------------------------------------------------------------------

BAD_BATCHES = st.one_of(
    st.just(np.full((3, 2), "a")),
    st.just(np.zeros((3, 2), np.complex64)),
    st.just(np.zeros((0, 2), np.float32)),
    st.just(np.float32(1.0)),
    st.just(tf.constant(["a", "b"])),
    NOT_ARRAYS,
)


@bad_input_settings(SLOW)
@given(
    st.one_of(
        st.tuples(st.just("squared_gradient_norms"), st.just("discriminator"), NOT_CALLABLE),
        st.tuples(st.just("squared_gradient_norms"), st.just("points"), BAD_BATCHES),
        argument("gamma", function="zero_centered_penalty"),
        st.tuples(st.just("interpolation_shape"), st.just("real"), BAD_BATCHES),
        st.tuples(st.just("interpolated_penalty"), st.just("real"), BAD_BATCHES),
        st.tuples(
            st.just("interpolated_penalty"),
            st.just("fake"),
            st.one_of(BAD_BATCHES, st.sampled_from([np.zeros((4, 3)), np.zeros((3, 2)), np.zeros((4, 2, 1))])),
        ),
        argument("weight", function="interpolated_penalty"),
        st.tuples(st.just("interpolated_penalty"), st.just("seed"), st.one_of(st.floats(), st.text(), st.booleans())),
        st.tuples(st.just("interpolated_penalty"), st.just("discriminator"), NOT_CALLABLE),
    )
)
def test_regularizers_penalties(bad_input_cases, case):
    function, argument, value = case
    valid = {
        "squared_gradient_norms": {"discriminator": linear_critic, "points": VALID_POINTS},
        "zero_centered_penalty": {"discriminator": linear_critic, "points": VALID_POINTS, "gamma": 1.0},
        "interpolation_shape": {"real": VALID_POINTS},
        "interpolated_penalty": {
            "discriminator": linear_critic,
            "real": VALID_POINTS,
            "fake": VALID_POINTS,
            "weight": 1.0,
        },
    }[function]
    refuses(bad_input_cases, argument, value, getattr(regularizers, function), **{**valid, argument: value})


@functools.cache
def some_variables():
    return [tf.Variable(np.zeros((2, 2), np.float32)), tf.Variable(np.zeros(3, np.float32))]


@bad_input_settings(SLOW)
@given(
    st.one_of(
        argument("bound", function="clip_weights"),
        st.tuples(st.just("clip_weights"), st.just("variables"), st.one_of(st.none(), st.integers(), st.just([1.0]))),
        st.tuples(st.just("weight_decay"), st.just("model"), NOT_MODELS.filter(lambda m: m is not linear_critic)),
        st.tuples(st.just("weight_decay"), st.sampled_from(["l1", "l2"]), bad_floats(allow_zero=True)),
        st.tuples(st.just("decayed_variables"), st.just("model"), NOT_MODELS.filter(lambda m: m is not linear_critic)),
        argument("smoothing", function="smoothed_cross_entropy"),
        st.tuples(st.just("smoothed_cross_entropy"), st.sampled_from(["real_logits", "fake_logits"]), NON_FLOAT_LOGITS),
        argument("sigma", function="instance_noise_std"),
        st.tuples(
            st.just("instance_noise_std"),
            st.just("anneal_steps"),
            st.one_of(st.integers(max_value=0), st.floats(), st.text(max_size=2)),
        ),
        st.tuples(
            st.just("instance_noise_std"),
            st.just("step"),
            st.one_of(st.none(), st.text(max_size=2), st.booleans(), st.just(tf.constant("a"))),
        ),
        argument("m", function="pack"),
        st.tuples(
            st.just("pack"),
            st.just("samples"),
            st.one_of(st.just(np.zeros((1, 2), np.float32)), st.just(np.full((4, 2), "a")), st.just(np.float32(1.0))),
        ),
        st.tuples(
            st.just("ema_update"),
            st.just("decay"),
            st.one_of(bad_floats(allow_zero=True), st.floats(min_value=1.0, exclude_min=True, allow_nan=False)),
        ),
        st.tuples(
            st.just("ema_update"), st.just("averages"), st.one_of(st.none(), st.integers(), st.just([np.zeros(2)]))
        ),
        st.tuples(st.just("ema_update"), st.just("weights"), st.sampled_from(["short", "shapes", None, 3])),
    )
)
def test_regularizers_tricks(bad_input_cases, case):
    function, argument, value = case
    variables = some_variables()
    weights = (
        {"short": [np.zeros((2, 2))], "shapes": [np.zeros((2, 2)), np.zeros(4)]}.get(value, value)
        if isinstance(value, str)
        else value
    )
    valid = {
        "clip_weights": {"variables": variables, "bound": 0.1},
        "weight_decay": {"model": players()[1]},
        "decayed_variables": {"model": players()[1]},
        "smoothed_cross_entropy": {"real_logits": [0.0], "fake_logits": [0.0], "smoothing": 0.1},
        "instance_noise_std": {"step": 3, "sigma": 0.5, "anneal_steps": 10},
        "pack": {"samples": VALID_POINTS, "m": 2},
        "ema_update": {"averages": variables, "weights": variables, "decay": 0.5},
    }[function]
    kwargs = {**valid, argument: weights if argument == "weights" else value}
    refuses(bad_input_cases, argument, value, getattr(regularizers, function), **kwargs)


# --- metrics ---------------------------------------------------------------------------------


@bad_input_settings(FAST)
@given(
    st.sampled_from(["nearest_center", "mode_coverage"]),
    one_of_arguments(
        "sigmas",
        samples=st.one_of(bad_matrices(), st.just(np.zeros((5, 3)))),  # 3 columns against 2
        centers=st.one_of(bad_matrices(), st.just(np.zeros((4, 1)))),
        std=bad_floats(),
    ),
)
def test_metrics_mode_coverage(bad_input_cases, function, case):
    argument, value = case
    if function == "nearest_center" and argument in ("std", "sigmas"):
        return
    valid = {"samples": np.zeros((5, 2)), "centers": np.ones((3, 2))}
    if function == "mode_coverage":
        valid["std"] = 0.1
    refuses(bad_input_cases, argument, value, getattr(metrics, function), **{**valid, argument: value})


@bad_input_settings(FAST)
@given(
    one_of_arguments(
        "n_classes",
        labels=st.one_of(
            bad_arrays(st.tuples(st.integers(1, 6)), empty_shapes=st.just((0,))),
            hnp.arrays(np.float64, st.integers(1, 5), elements=FINITE),  # floats, not class indices
            st.lists(st.integers(), min_size=1, max_size=5).filter(lambda v: min(v) < 0 or max(v) >= 10),
            st.just(np.zeros((2, 2), np.int64)),
        ),
    )
)
def test_metrics_class_histogram_stats(bad_input_cases, case):
    argument, value = case
    refuses(bad_input_cases, argument, value, metrics.class_histogram_stats, **{"labels": [0, 1, 2], argument: value})


@bad_input_settings(FAST)
@given(
    st.sampled_from(["frechet_distance", "precision_recall"]),
    st.sampled_from(["a", "b"]),
    st.one_of(bad_matrices(), st.just(np.zeros((6, 3))), st.just(np.zeros((1, 2)))),
)
def test_metrics_feature_distances(bad_input_cases, function, which, value):
    names = ("features_a", "features_b") if function == "frechet_distance" else ("real_features", "fake_features")
    argument = names[0] if which == "a" else names[1]
    kwargs = {names[0]: np.ones((6, 2)), names[1]: np.zeros((6, 2)), argument: value}
    refuses(bad_input_cases, argument, value, getattr(metrics, function), **kwargs)


@bad_input_settings(FAST)
@given(st.one_of(bad_ints(), st.integers(6, 50)))  # 6 rows: k must be below 6
def test_metrics_precision_recall_k(bad_input_cases, k):
    refuses(bad_input_cases, "k", k, metrics.precision_recall, np.ones((6, 2)), np.zeros((6, 2)), k=k)


@bad_input_settings(FAST)
@given(
    one_of_arguments(
        fake_images=bad_arrays(st.just((3, 4, 4))),
        train_images=st.one_of(bad_arrays(st.just((3, 4, 4))), st.just(np.zeros((3, 5, 5))), st.just(np.zeros(3))),
        test_images=bad_arrays(st.just((3, 4, 4))),
        quantile=bad_floats(below=0.5),
    )
)
def test_metrics_memorisation(bad_input_cases, case):
    argument, value = case
    images = np.zeros((3, 4, 4))
    kwargs = {"fake_images": images, "train_images": images, "test_images": images, argument: value}
    refuses(bad_input_cases, argument, value, metrics.memorisation, **kwargs)


# --- judge -----------------------------------------------------------------------------------

BAD_DIGIT_IMAGES = st.one_of(
    bad_arrays(st.just((2, 8, 8, 1)), empty_shapes=st.just((0, 8, 8, 1))),
    st.sampled_from([np.zeros((2, 8, 8, 3)), np.zeros((2, 28, 28, 1)), np.zeros((8, 8)), np.zeros((2, 64))]),
    st.floats(min_value=1.01, max_value=300).map(lambda v: np.full((2, 8, 8, 1), v)),  # pixels outside [-1, 1]
)


@bad_input_settings(FAST)
@given(
    st.one_of(
        st.tuples(st.sampled_from(["classifier_fid/real_images", "classifier_fid/fake_images"]), BAD_DIGIT_IMAGES),
        st.tuples(st.just("classifier_fid/fake_images"), st.just(np.zeros((1, 8, 8, 1)))),  # 1 image: no covariance
        st.tuples(st.just("class_coverage/fake_images"), BAD_DIGIT_IMAGES),
        st.tuples(st.sampled_from(["predict/images", "features/images"]), BAD_DIGIT_IMAGES),
        # None is valid (the cached classifier); anything else but an ImageClassifier is not.
        st.tuples(
            st.sampled_from(["classifier_fid/classifier", "class_coverage/classifier"]),
            NOT_MODELS.filter(lambda value: value is not None),
        ),
    )
)
def test_judge_digit_images(bad_input_cases, case):
    target, value = case
    function, argument = target.split("/")
    # A classifier without models: the checks must refuse the input before any model is used.
    dummy = judge.ImageClassifier(model=None, features_model=None, test_accuracy=0.0, path="")
    if function in ("predict", "features"):
        refuses(bad_input_cases, argument, value, getattr(dummy, function), value)
        return
    images = np.zeros((3, 8, 8, 1), np.float32)
    valid = {"fake_images": images, "classifier": dummy}
    if function == "classifier_fid":
        valid["real_images"] = images
    refuses(bad_input_cases, argument, value, getattr(judge, function), **{**valid, argument: value})


@bad_input_settings(FAST)
@given(
    st.sampled_from(["classifier_cache_path", "digits_classifier"]),
    st.one_of(
        st.tuples(
            st.just("cache_dir"), st.one_of(st.integers(), st.just(""), st.lists(st.text(max_size=2), min_size=1))
        ),
        one_of_arguments("filters", "width", "epochs", "batch_size"),
        argument("learning_rate"),
        argument("seed"),
        st.tuples(st.just("retrain"), st.one_of(st.integers(), st.none(), st.text(max_size=2))),
        st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
        .filter(lambda name: name not in judge.CLASSIFIER_SETTINGS and name not in ("cache_dir", "retrain"))
        .map(lambda name: (name, 1)),
    ),
)
def test_judge_classifier_settings(bad_input_cases, function, case):
    argument, value = case
    if argument == "retrain" and function == "classifier_cache_path":
        return
    refuses(bad_input_cases, argument, value, getattr(judge, function), **{argument: value})


# --- theory ----------------------------------------------------------------------------------

DENSITY_SHAPES = st.tuples(st.integers(1, 12))
BAD_DENSITIES = st.one_of(
    bad_arrays(DENSITY_SHAPES, empty_shapes=st.just((0,))),
    hnp.arrays(np.float64, DENSITY_SHAPES, elements=st.floats(-5, -0.01)),  # negative densities
)


@bad_input_settings(FAST)
@given(
    st.sampled_from(["gaussian_density", "mixture_density"]),
    one_of_arguments(
        x=bad_arrays(empty_shapes=st.just((0,))),
        mean=st.one_of(st.sampled_from([math.nan, math.inf]), NOT_NUMBERS),
        std=bad_floats(),
        means=bad_arrays(empty_shapes=st.just((0,))),
        weights=st.one_of(  # None is valid (equal weights)
            bad_arrays(st.just((2,))).filter(lambda value: value is not None),
            st.just([0.5, 0.6]),
            st.just([-0.5, 1.5]),
            st.just([1.0]),
            st.just([0.2] * 5),
        ),
    ),
)
def test_theory_densities(bad_input_cases, function, case):
    argument, value = case
    if function == "gaussian_density":
        if argument in ("means", "weights"):
            return
        refuses(bad_input_cases, argument, value, theory.gaussian_density, **{"x": [0.0, 1.0], argument: value})
    else:
        if argument == "mean":
            return
        kwargs = {"x": [0.0, 1.0], "means": [-1.0, 1.0], "std": 1.0, argument: value}
        refuses(bad_input_cases, argument, value, theory.mixture_density, **kwargs)


@bad_input_settings(FAST)
@given(
    st.sampled_from(["optimal_discriminator", "optimal_logit", "value_function"]),
    one_of_arguments(
        "dx",
        p_data=st.one_of(BAD_DENSITIES, st.just(np.full(11, 1 / 11))),  # 11 points against 10
        p_g=BAD_DENSITIES,
        d=st.one_of(
            bad_arrays(st.just((10,)), nonfinite=(math.nan,)),
            st.just(np.full(10, 1.5)),
            st.just(np.full(10, -0.1)),
            st.just(np.full(3, 0.5)),
        ),
        logits=st.one_of(st.integers(), st.none(), st.text(max_size=2)),
    ),
)
def test_theory_discriminators(bad_input_cases, function, case):
    argument, value = case
    valid = {"p_data": VALID_DENSITY, "p_g": VALID_DENSITY}
    if function == "value_function":
        valid.update(d=np.full(10, 0.5), dx=1.0)
    elif argument in ("d", "dx", "logits"):
        return
    refuses(bad_input_cases, argument, value, getattr(theory, function), **{**valid, argument: value})


@bad_input_settings(FAST)
@given(
    st.sampled_from(["kl", "jsd"]),
    one_of_arguments(
        p=st.one_of(BAD_DENSITIES, st.just(np.full(10, 0.2)), st.just(np.full(11, 1 / 11))),  # mass 2; 11 points
        q=st.one_of(BAD_DENSITIES, st.just(np.full(10, 0.05))),  # mass 0.5
        dx=bad_floats(),
    ),
)
def test_theory_divergences(bad_input_cases, function, case):
    argument, value = case
    kwargs = {"p": VALID_DENSITY, "q": VALID_DENSITY, "dx": 1.0, argument: value}
    refuses(bad_input_cases, argument, value, getattr(theory, function), **kwargs)


# --- dirac -----------------------------------------------------------------------------------

BAD_POINTS = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=3),
    st.lists(FINITE, min_size=0, max_size=4).filter(lambda v: len(v) != 2),
    st.tuples(st.sampled_from([math.nan, math.inf, "a", None]), FINITE),
)


@bad_input_settings(FAST)
@given(
    st.sampled_from(["f", "f_prime"]),
    st.one_of(
        bad_arrays(nonfinite=(math.nan,), empty_shapes=st.just((0,))).filter(
            lambda v: not isinstance(v, np.ndarray) or v.size
        ),
        st.just(math.nan),
    ),
)
def test_dirac_f(bad_input_cases, function, value):
    refuses(bad_input_cases, "t", value, getattr(dirac, function), value)


DIRAC_FUNCTIONS = ["vector_field", "jacobian", "eigenvalues", "simulate"]
# Valid arguments besides the update rule and its parameters.
DIRAC_VALID = {"vector_field": {"theta": 1.0, "psi": 1.0}, "simulate": {"steps": 2, "lr": 0.1}}
# The update rule each parameter belongs to (wgan_gp has no eigenvalues, so weight is left to the others).
DIRAC_PARAMETERS = {"clip": "wgan", "weight": "wgan_gp", "gamma": "r1", "sigma": "instance_noise"}


@bad_input_settings(FAST)
@given(
    st.sampled_from(DIRAC_FUNCTIONS),
    st.one_of(
        st.tuples(st.just("rule"), bad_names(set(dirac.RULES))),
        one_of_arguments(*sorted(DIRAC_PARAMETERS)),
        # An unknown parameter is named in the message by its own name.
        st.from_regex(r"[a-z]{1,8}", fullmatch=True)
        .filter(lambda name: name not in DIRAC_PARAMETERS and name not in ("rule", "theta", "psi", "point", "step"))
        .filter(lambda name: name not in ("steps", "lr", "order", "start"))
        .map(lambda name: (name, 1.0)),
    ),
)
def test_dirac_rules_and_parameters(bad_input_cases, function, case):
    argument, value = case
    rule = DIRAC_PARAMETERS.get(argument, "gan")
    if function == "eigenvalues" and rule == "wgan_gp":
        rule = "wgan"  # the weight is then an unknown parameter of wgan: still refused, by name
    kwargs = {**DIRAC_VALID.get(function, {}), "rule": rule, argument: value}
    refuses(bad_input_cases, argument, value, getattr(dirac, function), **kwargs)


BAD_THETAS = bad_arrays(nonfinite=(math.nan,)).filter(lambda value: not isinstance(value, np.ndarray) or value.size)


@bad_input_settings(FAST)
@given(
    st.one_of(
        st.tuples(st.just("vector_field"), st.just("theta"), BAD_THETAS),
        st.tuples(st.just("vector_field"), st.just("psi"), BAD_THETAS),
        st.tuples(st.just("vector_field"), st.just("psi"), st.just(np.zeros(3))),  # theta has 2: not broadcastable
        st.tuples(st.just("jacobian"), st.just("point"), BAD_POINTS),
        st.tuples(st.just("jacobian"), st.just("step"), bad_floats()),
        st.tuples(st.just("simulate"), st.just("start"), BAD_POINTS),
        argument("steps", function="simulate"),
        argument("lr", function="simulate"),
        st.tuples(st.just("simulate"), st.just("order"), bad_names(set(dirac.ORDERS))),
    )
)
def test_dirac_arguments(bad_input_cases, case):
    function, argument, value = case
    kwargs = {**DIRAC_VALID.get(function, {}), "rule": "gan", argument: value}
    if function == "vector_field" and argument == "psi":
        kwargs["theta"] = np.zeros(2)
    refuses(bad_input_cases, argument, value, getattr(dirac, function), **kwargs)


# --- runtime ---------------------------------------------------------------------------------


@bad_input_settings(FAST)
@given(
    st.one_of(
        st.tuples(st.just("dataset"), bad_names({"digits", "mnist"}).filter(lambda v: v is not None)),
        st.tuples(st.just("verbose"), st.one_of(st.integers(), st.text(max_size=2), st.none())),
        st.tuples(st.just("command"), st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))),
    )
)
def test_runtime_choose_scale_and_provenance(bad_input_cases, case):
    argument, value = case
    if argument == "command":
        refuses(bad_input_cases, argument, value, runtime.provenance, value)
    else:
        refuses(bad_input_cases, argument, value, runtime.choose_scale, **{argument: value})


@bad_input_settings(FAST)
@given(
    one_of_arguments(
        "steps", "batch_size", "base_filters", "latent_dim",
        name=bad_names({"cpu", "gpu"}),
        dataset=bad_names({"digits", "mnist"}),
        image_shape=st.one_of(st.none(), st.just([8, 8, 1]), st.just((8, 8)), st.just((8, 0, 1)), st.just((8, 8.0, 1))),
        reason=st.one_of(st.none(), st.integers()),
    )
)
def test_runtime_scale_class(bad_input_cases, case):
    argument, value = case
    valid = {
        "name": "cpu",
        "dataset": "digits",
        "image_shape": (8, 8, 1),
        "steps": 10,
        "batch_size": 4,
        "base_filters": 8,
        "latent_dim": 4,
        "reason": "test",
    }
    refuses(bad_input_cases, argument, value, runtime.Scale, **{**valid, argument: value})


# --- widgets ---------------------------------------------------------------------------------


def must_not_be_called():
    raise AssertionError("the arguments should have been refused before build_gan was called")


@bad_input_settings(FAST)
@given(
    one_of_arguments(
        "batch_size", "steps_per_click",
        build_gan=NOT_CALLABLE,
        real=st.one_of(
            bad_arrays(st.tuples(st.integers(1, 5), st.just(1)), empty_shapes=st.just((0, 1))),
            st.sampled_from([np.zeros(5), np.zeros((5, 2)), np.zeros((5, 1, 1))]),
        ),
        data_density=st.one_of(st.integers(), st.text(min_size=1, max_size=2), st.just(np.zeros(3))),
        x_range=st.one_of(BAD_POINTS, st.tuples(FINITE, FINITE).filter(lambda r: r[0] >= r[1])),
        seed=st.one_of(bad_seeds(upper=2**32), st.none()),
    )
)
def test_widgets_one_dimensional_game(bad_input_cases, case):
    argument, value = case
    kwargs = {"build_gan": must_not_be_called, "real": np.zeros((5, 1)), argument: value}
    refuses(bad_input_cases, argument, value, widgets.OneDimensionalGame, **kwargs)
