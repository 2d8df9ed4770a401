"""The one home of the hypothesis strategies of bad values that tests/test_bad_input.py draws from.

``ARGUMENTS`` gives the bad values of each argument name that means the same thing wherever it
appears (a count, a seed, a learning rate, a decay...): a function that gains such an argument
is covered by naming it in ``one_of_arguments``, and a change to what such an argument accepts
is one edit here. Names that mean different things in different places (``std``, ``step``,
``name``, ``x``) are given their strategy where they are used."""

import math
import pathlib

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

NOT_NUMBERS = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.sampled_from(["1", "2.5", "nan"]),  # strings that float() would accept
    st.booleans(),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.complex_numbers(max_magnitude=10, allow_nan=False),
)


def bad_ints(minimum: int = 1):
    """Anything but an integer >= ``minimum``."""
    return st.one_of(
        st.integers(max_value=minimum - 1), st.floats(allow_nan=True), NOT_NUMBERS, st.just(np.float64(3.0))
    )


def bad_floats(*, allow_zero: bool = False, below: float | None = None):
    """Anything but a finite number > 0 (>= 0 with ``allow_zero``; and < ``below``, if given)."""
    too_small = st.floats(max_value=0.0, exclude_max=allow_zero, allow_nan=False)
    options = [too_small, st.sampled_from([math.nan, math.inf, -math.inf]), NOT_NUMBERS]
    if below is not None:
        options.append(st.floats(min_value=below, allow_nan=False))
    return st.one_of(*options)


def bad_seeds(upper: int | None = None):
    options = [st.integers(max_value=-1), st.floats(), st.text(max_size=3), st.booleans(), st.lists(st.integers())]
    if upper is not None:
        options.append(st.integers(min_value=upper, max_value=upper * 4))
    return st.one_of(*options)


def bad_names(known):
    """Unknown names: random text not in ``known``, and values that are not strings at all."""
    return st.one_of(
        st.text(max_size=12).filter(lambda name: name not in known),
        st.integers(),
        st.none(),
        st.lists(st.sampled_from(sorted(known)), min_size=1, max_size=2),
    )


FINITE = st.floats(-10, 10, allow_nan=False)
SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def with_nonfinite(shape, values=(math.nan, math.inf, -math.inf)):
    """Arrays of ``shape`` with finite entries but one NaN or Inf."""

    @st.composite
    def build(draw):
        array = draw(hnp.arrays(np.float64, shape, elements=FINITE))
        flat = array.reshape(-1)
        flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(values))
        return flat.reshape(shape)

    return build()


def wrong_dtypes(shape):
    """Arrays of ``shape`` whose entries are not real numbers (numpy converts some of them silently)."""
    return st.one_of(
        st.sampled_from(["a", "1.5", ""]).map(lambda text: np.full(shape, text)),
        hnp.arrays(np.complex128, shape, elements=st.complex_numbers(max_magnitude=5, allow_nan=False)),
        hnp.arrays(np.bool_, shape),
        st.just(np.full(shape, None, dtype=object)),
        st.just(np.full(shape, 1.0, dtype=object)),
    )


NOT_ARRAYS = st.sampled_from([None, "abc", {"a": 1}, [[1.0], [1.0, 2.0]]])


def bad_arrays(shapes=SMALL_SHAPES, *, nonfinite=(math.nan, math.inf, -math.inf), empty_shapes=None):
    """Arrays of ``shapes`` with a NaN or Inf, or of a wrong dtype; empty arrays; things that are not arrays."""
    if empty_shapes is None:
        empty_shapes = st.sampled_from([(0,), (0, 2), (3, 0), (0, 8, 8, 1)])
    return st.one_of(
        shapes.flatmap(lambda shape: with_nonfinite(shape, nonfinite)),
        shapes.flatmap(wrong_dtypes),
        empty_shapes.map(np.zeros),
        NOT_ARRAYS,
    )


def wrong_rank(rank: int):
    """Finite float arrays of any rank but ``rank``."""
    shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3).filter(lambda s: len(s) != rank)
    return shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=FINITE))


def bad_matrices():
    """Not a finite (n, dim) matrix with n, dim >= 1."""
    shapes = st.tuples(st.integers(1, 5), st.integers(1, 4))
    empty = st.sampled_from([(0, 2), (3, 0), (0, 0)])
    return st.one_of(bad_arrays(shapes, empty_shapes=empty), wrong_rank(2))


def bad_paths(suffix: str | None = None):
    options = [st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2), st.just("")]
    if suffix:
        text = st.text(alphabet="abc._/", min_size=1, max_size=10)
        options.append(text.filter(lambda p: pathlib.Path(p).suffix != suffix))
    return st.one_of(*options)


NOT_CALLABLE = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.just(np.zeros(3)))


# --- Arguments by name ---------------------------------------------------------------------------

# Counts and sizes: integers >= 1.
COUNTS = [
    "n", "batch_size", "latent_dim", "output_dim", "input_dim", "width", "depth", "base_filters", "filters",
    "epochs", "modes", "side", "steps", "d_steps", "pack", "m", "every", "n_classes", "steps_per_click",
]  # fmt: skip
# Positive finite scales and rates.
POSITIVE = [
    "radius", "spacing", "timeout", "dx", "lr", "learning_rate", "d_learning_rate", "g_learning_rate", "bound",
    "sigmas",
]  # fmt: skip
# Weights of a penalty or a noise: finite and >= 0.
WEIGHTS = [
    "gamma", "weight", "sigma", "clip", "r1", "r2", "gradient_penalty", "clip_weights", "d_l1", "d_l2", "g_l1",
    "g_l2", "instance_noise",
]  # fmt: skip
# Decays and probabilities: in [0, 1).
FRACTIONS = ["beta_1", "beta_2", "label_smoothing", "ema", "smoothing"]

ARGUMENTS = {
    **dict.fromkeys(COUNTS, bad_ints()),
    **dict.fromkeys(POSITIVE, bad_floats()),
    **dict.fromkeys(WEIGHTS, bad_floats(allow_zero=True)),
    **dict.fromkeys(FRACTIONS, bad_floats(allow_zero=True, below=1.0)),
    "seed": bad_seeds(),
}


def argument(name: str, *, function: str | None = None):
    """(name, bad value) pairs for one argument of ``ARGUMENTS``; (function, name, bad value)
    triples with a ``function``."""
    pairs = st.tuples(st.just(name), ARGUMENTS[name])
    return pairs if function is None else pairs.map(lambda pair: (function, *pair))


def one_of_arguments(*names: str, **strategies):
    """(argument name, bad value) pairs, one argument at a time: the ``names`` with their
    strategies from ``ARGUMENTS``, and the ``strategies`` given here."""
    unknown = [name for name in names if name not in ARGUMENTS]
    if unknown:
        raise KeyError(f"no bad values for {unknown} in tests/bad_values.py: give their strategy by keyword")
    pairs = {**{name: ARGUMENTS[name] for name in names}, **strategies}
    return st.one_of(*[st.tuples(st.just(name), strategy) for name, strategy in pairs.items()])
