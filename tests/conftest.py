"""Shared test setup: quiet TensorFlow, a fixed seed for every test, one small GAN factory
(``tiny_gan``), the ``slow`` tier, and the bad-input case count.

The hypothesis strategies of bad values live in tests/bad_values.py."""

import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402

# Bad inputs tried by tests/test_bad_input.py, per test; printed at the end of the run.
BAD_INPUT_CASES = pytest.StashKey[collections.Counter]()


@pytest.fixture(autouse=True)
def fixed_seed():
    keras.utils.set_random_seed(1234)
    yield


def build_tiny_gan(
    *,
    latent_dim: int = 4,
    data_dim: int = 2,
    width: int = 32,
    depth: int = 2,
    seed: int | None = 0,
    compile: bool = True,
    learning_rate: float = 1e-3,
    beta_1: float = 0.5,
    beta_2: float = 0.999,
    **compile_args,
):
    """A small MLP GAN on ``data_dim``-dimensional points, compiled with two Adams and
    ``compile_args`` unless ``compile=False``. With a ``seed``, Keras is reseeded first and the GAN
    draws its noise from that seed, so two calls with the same arguments build the same GAN; with
    ``seed=None`` the weights come from the current Keras seed and the GAN has no seed of its own."""
    import gan_lib as gl

    if seed is not None:
        keras.utils.set_random_seed(seed)
    gan = gl.GAN(
        gl.models.mlp_generator(latent_dim, data_dim, width=width, depth=depth),
        gl.models.mlp_discriminator(data_dim, width=width, depth=depth),
        latent_dim=latent_dim,
        seed=seed,
    )
    if compile:
        gan.compile(
            keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2),
            keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2),
            **compile_args,
        )
    return gan


@pytest.fixture
def tiny_gan():
    """The factory ``build_tiny_gan``: call it with the sizes and compile keywords a test needs."""
    return build_tiny_gan


@pytest.fixture(scope="session")
def bad_input_cases(request) -> collections.Counter:
    """A counter that the bad-input property tests add every case they try to (session-wide,
    so Hypothesis runs every example of a test against the same counter)."""
    return request.config.stash.setdefault(BAD_INPUT_CASES, collections.Counter())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    cases = config.stash.get(BAD_INPUT_CASES, None)
    if not cases:
        return
    terminalreporter.section("bad-input property tests")
    for test, count in sorted(cases.items()):
        terminalreporter.write_line(f"{count:6d}  {test}")
    terminalreporter.write_line(f"bad-input cases tried: {sum(cases.values())}")
