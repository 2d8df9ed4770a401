"""Argument checks shared by every module: each raises ValueError naming the argument.

They run before any array reaches numpy's or TensorFlow's arithmetic, so a wrong shape,
dtype or value is reported in the caller's words rather than as a deep library error.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np


def positive_int(value: object, name: str, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, or raise ValueError unless it is an integer > 0 (>= 0 with ``allow_zero``)."""
    kind = "a non-negative" if allow_zero else "a positive"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be {kind} integer, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {kind} integer, got {value!r}")
    return int(value)


def finite_float(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise ValueError unless it is one finite real number.

    Strings ("1.5"), booleans, complex numbers and arrays of more than one number are refused,
    although ``float()`` would accept some of them.
    """
    refused = (bool, np.bool_, str, bytes, complex, np.complexfloating)
    try:
        scalar = not isinstance(value, refused) and np.ndim(value) == 0
        number = float(value) if scalar else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def positive_float(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, or raise ValueError unless it is finite and > 0 (or >= 0)."""
    number = finite_float(value, name)
    if number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return number


def flag(value: object, name: str) -> bool:
    """Return ``value`` as a bool, or raise ValueError unless it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def choice(value: object, name: str, options: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of the strings ``options``, or raise ValueError naming ``name``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def seed(value: object, name: str = "seed", *, upper: int | None = None) -> int | None:
    """Return ``value`` if it is None or an integer >= 0 (and < ``upper``, if given), else raise ValueError."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {value!r}")
    if upper is not None and value >= upper:
        raise ValueError(f"{name} must be below {upper}, got {value!r}")
    return int(value)


def file_path(value: object, name: str, *, suffix: str | None = None) -> pathlib.Path:
    """``value`` as a ``pathlib.Path``; it must be a string or path (ending in ``suffix``, if given)."""
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise ValueError(f"{name} must be a file path (a string or pathlib.Path), got {value!r}")
    path = pathlib.Path(value)
    if suffix is not None and path.suffix != suffix:
        raise ValueError(f"{name} must end in {suffix}, got {str(path)!r}")
    return path


def real_array(value: object, name: str, dtype: object = np.float64) -> np.ndarray:
    """``value`` as an array of ``dtype``, or ValueError unless it holds only integers or floats.

    Strings, booleans, complex numbers, None and ragged nested lists are refused: numpy
    would turn some of them into numbers silently and fail on others with its own message.
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be an array of numbers, got a ragged {type(value).__name__}") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    return array if dtype is None else array.astype(dtype, copy=False)


def finite_array(value: object, name: str, dtype: object = np.float64) -> np.ndarray:
    """``real_array(value)``, non-empty and with only finite entries, or ValueError naming ``name``."""
    array = real_array(value, name, dtype)
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or Inf")
    return array


def finite_matrix(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a 2-D float64 array with at least one row and only finite entries."""
    array = real_array(value, name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, dim), got shape {array.shape}")
    return finite_array(array, name)


def number_pair(value: object, name: str) -> tuple[float, float]:
    """``value`` as two finite floats, e.g. a point (theta, psi) or a range (low, high)."""
    array = real_array(value, name)
    if array.shape != (2,):
        raise ValueError(f"{name} must be two numbers, got {value!r}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be two finite numbers, got {value!r}")
    return float(array[0]), float(array[1])


def real_tensor(value: object, name: str, *, floating: bool = False):
    """``value`` as a TensorFlow tensor of real numbers (floats only, if ``floating``).

    Only the dtype is checked, which is known while tracing a ``tf.function``; values are not.
    """
    # Imported here, not at the top: dirac, metrics and theory import this file and otherwise only numpy,
    # and TensorFlow brings Keras, which loads matplotlib.pyplot.  This saves no time inside the package
    # (gan_lib/__init__ imports TensorFlow first); it keeps those modules' own imports free of both, which
    # tests/test_metrics.py checks for metrics.
    import tensorflow as tf

    if not tf.is_tensor(value):
        real_array(value, name, dtype=None)  # refuses strings, None, ragged lists before TF sees them
        value = tf.convert_to_tensor(value)
    dtype = tf.as_dtype(value.dtype)
    if not (dtype.is_floating or (dtype.is_integer and not floating)):
        kind = "floating-point" if floating else "real-valued"
        raise ValueError(f"{name} must be a {kind} tensor, got dtype {dtype.name}")
    return value
