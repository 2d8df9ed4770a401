"""The two places where gan_lib leans on how Keras 3's TensorFlow trainer works inside.

Neither is public API, so both live here, and ``tests/test_keras_internals.py`` fails on a
Keras version (the supported range is in requirements.txt; ``make test-oldest`` runs the
oldest) where either stops holding:

1. The TensorFlow trainer of Keras 3.8 and later runs ``steps_per_execution`` training steps
   in one ``tf.while_loop`` inside the graph, and it alone sets ``unrolled_steps_per_execution``
   on the model.  Earlier trainers unrolled the steps in Python, tracing the step k times;
   where the attribute is missing, gan_lib runs one step per call.
2. ``make_train_function(force=True)`` stores the function it builds in ``train_function``
   (and returns nothing), so a subclass that wants to keep several functions reads it there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras


def loops_steps_in_graph(model: keras.Model) -> bool:
    """Whether ``model``'s trainer runs its ``steps_per_execution`` steps in an in-graph loop."""
    return hasattr(model, "unrolled_steps_per_execution")


def build_train_function(model: keras.Model, make: Callable[..., Any]) -> Any:
    """A newly built train function: calls Keras' ``make_train_function`` (passed as ``make``,
    the parent class's bound method) and returns what it stored in ``model.train_function``."""
    model.train_function = None
    make(force=True)
    if model.train_function is None:
        raise RuntimeError(
            "Keras' make_train_function no longer stores its function in train_function; "
            "gan_lib/_keras_internals.py needs updating for this Keras version"
        )
    return model.train_function
